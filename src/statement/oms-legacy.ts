import { ModelsealError } from '../errors';
import { rootDigestOf, type ResourceDigest } from '../digest/manifest';
import { isSafeRelativePath, type OmsStatement } from './oms';
import { isObject, type Statement } from './statement';
import { quoted } from '../names';

/** The predicate model_signing v0.2.0 wrote; OMS verifiers MAY accept it and MUST NOT produce it. */
export const LEGACY_PREDICATE_TYPE = 'https://model_signing/Digests/v0.1';

/**
 * Reads a v0.2.0 statement: one subject per file (name + sha256), no serialization
 * record. It is mapped to a files/sha256 manifest; its root digest is computed here
 * because the statement carries none.
 */
export function parseLegacyDigestsStatement(statement: Statement, file?: string): OmsStatement {
  const bad = (m: string) => new ModelsealError('MANIFEST_INVALID', m, { file });
  if (statement.predicateType !== LEGACY_PREDICATE_TYPE) {
    throw new ModelsealError('STATEMENT_INVALID', `predicateType ${quoted(statement.predicateType)} is not ${LEGACY_PREDICATE_TYPE}`, { file });
  }
  const seen = new Set<string>();
  const resources: ResourceDigest[] = statement.subject.map((s) => {
    const name = s.name;
    const digest = isObject(s.digest) ? s.digest.sha256 : undefined;
    if (typeof name !== 'string' || (name !== '.' && !isSafeRelativePath(name))) throw bad(`subject name ${quoted(name)} is not a safe relative path`);
    if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) throw bad(`subject ${quoted(name)} has no valid sha256 digest`);
    const alg = s.annotations?.actual_hash_algorithm;
    if (alg !== undefined && alg !== 'file-sha256') throw bad(`subject ${quoted(name)} was hashed with ${quoted(alg)}, not file-sha256`);
    if (seen.has(name)) throw bad(`subject ${quoted(name)} is listed twice`);
    seen.add(name);
    return { name, algorithm: 'sha256', digest };
  });
  const sorted = [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    predicateType: LEGACY_PREDICATE_TYPE,
    subjectName: '',
    manifest: {
      serialization: { method: 'files', hashType: 'sha256', allowSymlinks: false, ignorePaths: [] },
      resources: sorted,
      rootDigest: rootDigestOf(sorted),
    },
  };
}
