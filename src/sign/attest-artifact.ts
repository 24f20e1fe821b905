import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { BUNDLE_MEDIA_TYPE } from '../envelope/bundle';
import { maxBundleBytes, parseJson, readBoundedFile } from '../envelope/read-json';
import type { SigningKey } from '../keys/signing-key';
import {
  buildProvenanceStatement,
  kindInputsProblem,
  type BuildKind,
  type Dependency,
  type ProvenancePredicate,
} from '../statement/provenance';
import { buildOmsStatement } from '../statement/oms';
import { isObject, type Statement } from '../statement/statement';
import { writeFileAtomic } from '../util/atomic-write';
import { signStatementWithKey } from './sign-artifact';
import { digestLikeSignature } from './signed-digest';
import type { CoseClaims } from '../envelope/cose/sign1';
import { signStatementCose } from './sign-cose';
import { DEFAULT_COSE_PROVENANCE_NAME, defaultProvenancePath, defaultSignaturePath, DEFAULT_PROVENANCE_NAME, signatureInside, type SignatureFormat } from './signature-path';
import { subjectNameOf } from './subject-name';
import { quoted } from '../names';

export interface AttestOptions {
  kind: BuildKind;
  key: SigningKey;
  /** Base models: artifact paths (digested) or `sha256:HEX`. */
  bases?: string[];
  /** Datasets: artifact paths (digested) or `sha256:HEX`. */
  datasets?: string[];
  /** Sources as `URI@sha256:HEX` (e.g. a dump, a repository archive). */
  sources?: string[];
  builderId?: string;
  parameters?: Record<string, string>;
  license?: string;
  notes?: string;
  startedOn?: Date;
  finishedOn?: Date;
  /** Where to write (default `<dir>/provenance.sig` or `<file>.provenance.sig`; `.cose` for COSE). */
  out?: string;
  force?: boolean;
  /** `bundle` (default): a DSSE Sigstore bundle; `cose`: a COSE_Sign1 signed statement over the same statement. */
  format?: SignatureFormat;
  /** SCITT claims for `cose` (defaults: issuer = key hint, subject = artifact name). */
  claims?: Partial<CoseClaims>;
}

export interface AttestWarning {
  code: 'BASE_NAME_MISMATCH' | 'INPUT_SIGNATURE_UNREADABLE';
  message: string;
}

export interface AttestResult {
  artifact: string;
  provenance: string;
  /** The OMS signature attest wrote because the artifact had none (same key), naming its files. */
  signature?: string;
  rootDigest: string;
  subjectName: string;
  kind: BuildKind;
  statement: Statement<ProvenancePredicate>;
  dependencies: Dependency[];
  warnings: AttestWarning[];
}

const DIGEST_REF = /^sha256:([0-9a-f]{64})$/;

/** A `--base`/`--dataset` input: `sha256:HEX`, or a path whose root digest is computed (like its own signature, if any). */
async function resolveInput(ref: string, role: 'base_model' | 'dataset', warnings: AttestWarning[]): Promise<Dependency[]> {
  const m = DIGEST_REF.exec(ref);
  if (m) return [{ role, sha256: m[1] }];
  if (/^sha256:/i.test(ref)) throw new ModelsealError('USAGE_ERROR', `${ref} is not sha256: followed by 64 lowercase hex digits`);
  if (!fs.existsSync(ref)) throw new ModelsealError('PATH_NOT_FOUND', `no such file or directory (give a path or sha256:HEX for --${role === 'base_model' ? 'base' : 'dataset'})`, { file: ref });
  const { manifest, signed } = await digestLikeSignature(ref);
  const name = signed?.subjectName || subjectNameOf(ref);
  const deps: Dependency[] = [{ role, sha256: manifest.rootDigest, name }];
  // Pin the input's own attestations, as the trainer saw them.
  for (const file of [defaultSignaturePath(ref), defaultProvenancePath(ref)]) {
    if (!fs.existsSync(file)) continue;
    try {
      const bytes = readBoundedFile(file, maxBundleBytes());
      deps.push({ role: 'attestation', sha256: createHash('sha256').update(bytes).digest('hex'), name: `${name}/${path.basename(file)}`, mediaType: BUNDLE_MEDIA_TYPE, subject: manifest.rootDigest });
    } catch (err) {
      warnings.push({ code: 'INPUT_SIGNATURE_UNREADABLE', message: `${file}: ${(err as Error).message}` });
    }
  }
  return deps;
}

/** `URI@sha256:HEX` → a source dependency. The URI is recorded as given (RFC 3986, lowercase scheme). */
export function parseSourceRef(ref: string): Dependency {
  const at = ref.lastIndexOf('@sha256:');
  const uri = at > 0 ? ref.slice(0, at) : '';
  const hex = at > 0 ? ref.slice(at + '@sha256:'.length) : '';
  if (!uri || !/^[0-9a-f]{64}$/.test(hex)) {
    throw new ModelsealError('USAGE_ERROR', `--source ${quoted(ref)}: expected URI@sha256:<64 lowercase hex digits>`);
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri)) throw new ModelsealError('USAGE_ERROR', `--source ${quoted(ref)}: ${quoted(uri)} is not a URI`);
  const scheme = uri.slice(0, uri.indexOf(':'));
  return { role: 'source', sha256: hex, uri: scheme.toLowerCase() + uri.slice(scheme.length) };
}

/** PEFT's adapter_config.json names the base it was trained on; a hint only, never identity. */
function adapterBaseHint(artifact: string): string | undefined {
  const file = path.join(artifact, 'adapter_config.json');
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return undefined;
  }
  if (!st.isFile()) return undefined;
  const cfg = parseJson(readBoundedFile(file, 1024 * 1024), file, 'USAGE_ERROR', 'adapter_config.json');
  const hint = isObject(cfg) ? cfg.base_model_name_or_path : undefined;
  return typeof hint === 'string' && hint !== '' ? hint : undefined;
}

/** True if an adapter_config hint (`org/name`, a path, a hub id) plausibly names the given base. */
function hintNamesBase(hint: string, baseName: string): boolean {
  const last = hint.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? hint;
  return last === baseName || hint === baseName;
}

function checkInputCounts(kind: BuildKind, bases: number, datasets: number): void {
  const problem = kindInputsProblem(kind, bases, datasets);
  if (problem) throw new ModelsealError('USAGE_ERROR', `${problem} (give them with --base and --dataset)`);
}

/**
 * Writes a signed SLSA Provenance v1 attestation for an artifact: subject = its OMS
 * root digest (as `modelseal digest`/`sign` compute it), inputs bound by digest.
 */
export async function attestArtifact(artifact: string, options: AttestOptions): Promise<AttestResult> {
  const format = options.format ?? 'bundle';
  if (format !== 'bundle' && format !== 'cose') throw new ModelsealError('USAGE_ERROR', `unknown attestation format ${JSON.stringify(format)} (bundle or cose)`);
  if (format !== 'cose' && options.claims && Object.keys(options.claims).length > 0) {
    throw new ModelsealError('USAGE_ERROR', 'issuer and subject claims apply only to the cose format');
  }
  const out = path.resolve(options.out ?? defaultProvenancePath(artifact, format));
  const inside = signatureInside(artifact, out);
  const defaultName = format === 'cose' ? DEFAULT_COSE_PROVENANCE_NAME : DEFAULT_PROVENANCE_NAME;
  if (inside !== undefined && inside !== defaultName) {
    throw new ModelsealError('USAGE_ERROR', `--out ${out} lies inside the artifact, where it would change its digest; write it outside or use the default ${defaultName}`);
  }
  if (options.builderId !== undefined && !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(options.builderId)) {
    throw new ModelsealError('USAGE_ERROR', `--builder-id ${quoted(options.builderId)} is not a URI`);
  }
  for (const k of Object.keys(options.parameters ?? {})) {
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(k)) throw new ModelsealError('USAGE_ERROR', `parameter name ${quoted(k)} must be 1-128 letters, digits, "_", "." or "-"`);
  }
  const bases = options.bases ?? [];
  const datasets = options.datasets ?? [];
  checkInputCounts(options.kind, bases.length, datasets.length);
  const warnings: AttestWarning[] = [];
  const sources = (options.sources ?? []).map(parseSourceRef);
  const baseDeps: Dependency[] = [];
  for (const b of bases) baseDeps.push(...(await resolveInput(b, 'base_model', warnings)));
  const datasetDeps: Dependency[] = [];
  for (const d of datasets) datasetDeps.push(...(await resolveInput(d, 'dataset', warnings)));

  const { manifest, signed } = await digestLikeSignature(artifact);
  const internalParameters: Record<string, unknown> = {};
  if (options.kind === 'lora' && fs.statSync(artifact).isDirectory()) {
    const hint = adapterBaseHint(artifact);
    if (hint !== undefined) {
      internalParameters.adapterConfig = { baseModelNameOrPath: hint };
      const base = baseDeps.find((d) => d.role === 'base_model');
      if (base?.name !== undefined && !hintNamesBase(hint, base.name)) {
        warnings.push({ code: 'BASE_NAME_MISMATCH', message: `adapter_config.json names base model ${quoted(hint)}, but --base is ${quoted(base.name)} (sha256:${base.sha256.slice(0, 12)}…); the attestation binds the digest given with --base` });
      }
    }
  }
  const subjectName = signed?.subjectName || subjectNameOf(artifact);
  const dependencies = [...sources, ...baseDeps, ...datasetDeps];
  const statement = buildProvenanceStatement({
    subjectName,
    rootDigest: manifest.rootDigest,
    kind: options.kind,
    builderId: options.builderId,
    parameters: options.parameters,
    license: options.license,
    notes: options.notes,
    dependencies,
    internalParameters,
    startedOn: options.startedOn,
    finishedOn: options.finishedOn,
  });
  // A provenance binds only the root digest, which does not cover file names: an artifact
  // without a signature of its own gets one from the attester, or its files could not be checked.
  let signature: string | undefined;
  if (!signed) {
    signature = defaultSignaturePath(artifact);
    writeFileAtomic(signature, signStatementWithKey(buildOmsStatement(manifest, subjectName), options.key));
  }
  const attestation = format === 'cose' ? signStatementCose(statement, options.key, { subject: subjectName, ...options.claims }) : signStatementWithKey(statement, options.key);
  writeFileAtomic(out, attestation, { force: options.force });
  return { artifact: path.resolve(artifact), provenance: out, ...(signature ? { signature } : {}), rootDigest: manifest.rootDigest, subjectName, kind: options.kind, statement, dependencies, warnings };
}
