import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError, fsError } from '../errors';
import { readBundle, type SignatureBundle } from '../envelope/bundle';
import { OMS_PREDICATE_TYPE } from '../statement/oms';
import { SLSA_PROVENANCE_V1 } from '../statement/provenance';
import { readSignatureFileSummary } from '../verify/signature-file';
import { readOwnStatement } from '../sign/signed-digest';
import { defaultProvenancePath, defaultSignaturePath } from '../sign/signature-path';
import { subjectNameOf } from '../sign/subject-name';
import { digestArtifact } from '../digest-artifact';
import type { HashCache } from '../verify/match-files';

/**
 * A signature or provenance bundle found somewhere; nothing in it is trusted yet. Its
 * payload is not held (a dataset's is hundreds of MB): `evidenceBundle` reads it again.
 */
export interface Evidence {
  file: string;
  type: 'signature' | 'provenance';
  /** The subject digest the (unverified) payload claims. */
  claimedDigest: string;
  /** The subject name it claims, if any (unverified: a hint that may only agree with the deployer's name). */
  claimedName?: string;
  /** SHA-256 of the bundle file's bytes as read (so reports can name exactly the file that was verified). */
  fileSha256: string;
  /** SHA-256 of its payload type, payload and first signature: the same bundle found twice counts once. */
  envelopeSha256: string;
  /** Beside an artifact we were given (must verify) or found in an attestation folder (used if it verifies). */
  origin: 'beside' | 'attestations';
}

/** An artifact folder or file given with `--with`, digested as its own signature was. */
export interface WithArtifact {
  path: string;
  /**
   * The root digest its own signature claims (checked at its node), or that of its files
   * when it has none: computed only once the artifact that needs it has verified (withDigest).
   */
  digest?: string;
  /** Its base name and its signature's subject name: hints for messages, never identity. */
  names: Set<string>;
  evidence: Evidence[];
}

export interface EvidenceIndex {
  byDigest: Map<string, Evidence[]>;
  /** Files in attestation folders that are not usable bundles, with the reason. */
  skipped: Array<{ file: string; reason: string }>;
  folders: string[];
}

/** The predicate types read as model signatures (OMS v1.x). */
export const OMS_V1 = /^https:\/\/model_signing\/signature\/v1\.\d+$/;

/** Reads a bundle file and classifies it by its (unverified) statement. Throws on anything unusable. */
export function readEvidence(file: string, origin: Evidence['origin'], cache?: HashCache): Evidence {
  // Beside an artifact, read once for the run (it is used); elsewhere only classified.
  const read = cache ? cache.signatureFile(file) : readSignatureFileSummary(file, { skipResources: true });
  if (read.format !== 'bundle' || read.envelopeSha256 === undefined) {
    throw new ModelsealError('BUNDLE_INVALID', 'is a COSE_Sign1 message; lineage and policies read Sigstore bundles (sign with --format bundle)', { file });
  }
  const statement = read.statement;
  let type: Evidence['type'];
  if (OMS_V1.test(statement.predicateType)) type = 'signature';
  else if (statement.predicateType === SLSA_PROVENANCE_V1) type = 'provenance';
  else throw new ModelsealError('STATEMENT_INVALID', `predicateType ${JSON.stringify(statement.predicateType)} is neither ${OMS_PREDICATE_TYPE} nor ${SLSA_PROVENANCE_V1}`, { file });
  const digests = statement.subject.map((s) => s.digest?.sha256).filter((d): d is string => typeof d === 'string' && /^[0-9a-f]{64}$/.test(d));
  if (digests.length !== 1 || statement.subject.length !== 1) {
    throw new ModelsealError('STATEMENT_INVALID', 'a signature or provenance must have exactly one subject with a sha256 digest', { file });
  }
  const name = statement.subject[0].name;
  return { file: path.resolve(file), type, claimedDigest: digests[0], ...(typeof name === 'string' ? { claimedName: name } : {}), fileSha256: read.fileSha256, envelopeSha256: read.envelopeSha256, origin };
}

/** The bundle of a piece of evidence, read again to be verified: it must be the bytes that were classified. */
export function evidenceBundle(ev: Evidence): SignatureBundle {
  const { fileSha256, ...bundle } = readBundle(ev.file);
  if (fileSha256 !== ev.fileSha256) throw new ModelsealError('FILE_CHANGED', 'changed while it was being verified; retry when nothing writes to it', { file: ev.file });
  return bundle;
}

/** Indexes a plain folder of bundles (not recursive) by the subject digest they claim. */
export function indexAttestationFolders(folders: readonly string[]): EvidenceIndex {
  const index: EvidenceIndex = { byDigest: new Map(), skipped: [], folders: folders.map((f) => path.resolve(f)) };
  for (const folder of index.folders) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch (err) {
      throw fsError(err, folder);
    }
    if (!fs.statSync(folder).isDirectory()) throw new ModelsealError('USAGE_ERROR', 'is not a folder of attestation bundles', { file: folder });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const file = path.join(folder, e.name);
      if (!e.isFile()) {
        index.skipped.push({ file, reason: 'not a regular file' });
        continue;
      }
      try {
        const ev = readEvidence(file, 'attestations');
        const list = index.byDigest.get(ev.claimedDigest) ?? [];
        list.push(ev);
        index.byDigest.set(ev.claimedDigest, list);
      } catch (err) {
        index.skipped.push({ file, reason: (err as Error).message });
      }
    }
  }
  return index;
}

/** The signature and provenance beside an artifact, where they exist. Errors in them are refusals. */
export function besideEvidence(artifact: string, signature?: string, provenance?: string, cache?: HashCache): Evidence[] {
  const out: Evidence[] = [];
  for (const f of [signature ?? defaultSignaturePath(artifact), provenance ?? defaultProvenancePath(artifact)]) {
    if (fs.existsSync(f)) out.push(readEvidence(f, 'beside', cache));
  }
  return out;
}

/**
 * A `--with` artifact by the digest its own signature claims (unverified: its node verifies
 * that signature, then checks its files against it, before anything is hashed), or by the
 * digest of its files when it has no signature of its own.
 */
export function loadWithArtifact(dir: string, cache?: HashCache): WithArtifact {
  if (!fs.existsSync(dir)) throw new ModelsealError('PATH_NOT_FOUND', 'no such file or directory (given with --with)', { file: dir });
  const signed = readOwnStatement(defaultSignaturePath(dir), cache);
  const names = new Set([subjectNameOf(dir)]);
  if (signed?.subjectName) names.add(signed.subjectName);
  return { path: path.resolve(dir), ...(signed ? { digest: signed.manifest.rootDigest } : {}), names, evidence: besideEvidence(dir, undefined, undefined, cache) };
}

/** The digest of a `--with` artifact, its files hashed the first time one without a signature is asked for. */
export async function withDigest(w: WithArtifact): Promise<string> {
  w.digest ??= (await digestArtifact(w.path)).rootDigest;
  return w.digest;
}
