import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathExists } from '../util/path-exists';
import { bindsVerifiedDigest } from '../verify/bound-digest';
import { ModelsealError } from '../errors';
import type { ProgressEvent } from '../digest/manifest';
import { readBundle } from '../envelope/bundle';
import { loadPublicKey, parsePublicKey } from '../keys/load';
import type { PublicKeyInfo } from '../keys/key-types';
import { defaultSignaturePath } from '../sign/signature-path';
import { verifyArtifact, type VerifyResult } from '../verify/verify-artifact';
import type { TrustedSigner } from '../verify/trusted-signer';
import { parsePinnedRoot, readLockFile, resolveLockPath } from './lock-file';
import { LOCK_FILE_NAME, type LockEntry, type LockFile, type LockSigner } from './lock-types';
import { quoted } from '../names';

export interface VerifyLockedOptions {
  /** The lock file (path or already read); default `modelseal.lock` in the current folder. */
  lock?: string | LockFile;
  /** Extra public keys; a signature by one of them that is not a pinned signer is refused as a signer change. */
  keys?: ReadonlyArray<PublicKeyInfo | string>;
  /** The signature file (default: the lock's, else `<dir>/model.sig` or `<file>.sig`). */
  signature?: string;
  /** Sigstore trusted_root.json for Sigstore pins (default: `trust update`'s root, else the shipped one). */
  trustedRoot?: string;
  onProgress?: (event: ProgressEvent) => void;
}

export interface LockedResult {
  name: string;
  kind: string;
  artifact: string;
  rootDigest: string;
  keyHint: string;
  verification: VerifyResult;
}


/** Prefixes an error from the verifier with the pinned name, keeping its code and details. */
function naming(err: unknown, name: string): unknown {
  if (!(err instanceof ModelsealError)) return err;
  const bare = err.file && err.message.startsWith(`${err.file}: `) ? err.message.slice(err.file.length + 2) : err.message;
  return new ModelsealError(err.code, `pinned artifact ${name}: ${bare}`, { file: err.file, details: err.details, cause: err });
}

function pinnedKeys(entry: LockEntry, file: string): PublicKeyInfo[] {
  return entry.signers.flatMap((s) => (s.method === 'key' ? [parsePublicKey(s.publicKey, file)] : []));
}

/** Sigstore and CA pins as trusted signers: exact identity and issuer; only the pinned root. */
function pinnedCertificateSigners(entry: LockEntry, file: string, trustedRoot: string | undefined): TrustedSigner[] {
  return entry.signers.flatMap((s): TrustedSigner[] => {
    if (s.method === 'sigstore') return [{ kind: 'sigstore', identity: s.identity, issuer: s.issuer, ...(trustedRoot ? { trustedRoot } : {}) }];
    if (s.method === 'certificate') return [{ kind: 'ca', roots: [parsePinnedRoot(s.root, file)] }];
    return [];
  });
}

function describePin(s: LockSigner): string {
  if (s.method === 'key') return `key ${s.keyHint.slice(0, 12)}…`;
  if (s.method === 'sigstore') return `${s.identity} (issuer ${s.issuer})`;
  return `certificate ${JSON.stringify(s.subject)} under root ${s.rootFingerprint.slice(0, 12)}…`;
}

/** Whether what verified is one of the pins (a CA pin also needs the pinned subject). */
function matchesPin(entry: LockEntry, v: VerifyResult): boolean {
  const who = v.signer;
  return entry.signers.some((s) => {
    if (s.method === 'key') return who.method === 'key' && v.keyHint === s.keyHint;
    if (s.method === 'sigstore') return who.method === 'sigstore' && who.identity === s.identity && who.issuer === s.issuer;
    if (who.method !== 'certificate' || who.identity !== s.subject || !who.rootCertificate) return false;
    return new X509Certificate(who.rootCertificate).fingerprint256.replace(/:/g, '').toLowerCase() === s.rootFingerprint;
  });
}

/** Verifies one lock entry against an artifact on disk: present, signed by a pinned signer, same digest. */
async function verifyEntry(lock: LockFile, name: string, entry: LockEntry, artifact: string, options: VerifyLockedOptions): Promise<LockedResult> {
  const abs = path.resolve(artifact);
  if (!pathExists(abs)) {
    throw new ModelsealError('LOCK_ARTIFACT_MISSING', `pinned artifact ${name} is missing (the lock file ${lock.file} pins it here)`, { file: artifact, details: { name } });
  }
  const atLockedPath = abs === resolveLockPath(lock, entry.path);
  const signature = path.resolve(options.signature ?? (atLockedPath && entry.signature ? resolveLockPath(lock, entry.signature) : defaultSignaturePath(abs)));
  if (!pathExists(signature)) {
    throw new ModelsealError('LOCK_ARTIFACT_MISSING', `pinned artifact ${name}: its signature is missing`, { file: signature, details: { name } });
  }
  const pinned = pinnedKeys(entry, lock.file);
  const pinnedHints = new Set(pinned.map((k) => k.hint));
  const extra = (options.keys ?? []).map((k) => (typeof k === 'string' ? loadPublicKey(k) : k));
  const pinnedText = entry.signers.map(describePin).join(', ');
  const certificateSigners = pinnedCertificateSigners(entry, lock.file, options.trustedRoot);

  let verification: VerifyResult;
  try {
    verification = await verifyArtifact(abs, { keys: [...pinned, ...extra], signers: certificateSigners, signature, onProgress: options.onProgress });
  } catch (err) {
    if (err instanceof ModelsealError && certificateSigners.length > 0 && ['IDENTITY_MISMATCH', 'UNTRUSTED_SIGNER'].includes(err.code)) {
      // Signed, but not by a pinned identity or under the pinned root (or by another kind of signer).
      throw new ModelsealError('LOCK_SIGNER_CHANGED', `pinned artifact ${name} is not signed by the pinned signer ${pinnedText}: ${err.message.replace(/^[^:]*: /, '')}`, {
        file: artifact,
        details: { name, pinned: entry.signers.map(describePin), cause: err.code },
      });
    }
    if (err instanceof ModelsealError && err.code === 'SIGNATURE_MISMATCH') {
      const bundle = readBundle(signature);
      const hint = bundle.material.kind === 'publicKey' ? bundle.material.hint : undefined;
      if (!hint || !pinnedHints.has(hint)) {
        const now = hint ? `key ${hint.slice(0, 12)}…` : 'a key it does not name';
        throw new ModelsealError('LOCK_SIGNER_CHANGED', `pinned artifact ${name} is now signed by ${now}, not by the pinned signer ${pinnedText} (maintainer account takeover?)`, {
          file: artifact,
          details: { name, pinned: [...pinnedHints], actual: hint ?? null },
        });
      }
    }
    throw naming(err, name);
  }
  if (!matchesPin(entry, verification)) {
    const now = verification.signer.method === 'key' ? `key ${verification.keyHint.slice(0, 12)}…` : `${verification.signer.identity} (${verification.signer.issuer})`;
    throw new ModelsealError('LOCK_SIGNER_CHANGED', `pinned artifact ${name} is now signed by ${now}, not by the pinned signer ${pinnedText} (maintainer account takeover?)`, {
      file: artifact,
      details: { name, pinned: [...pinnedHints], actual: verification.keyHint },
    });
  }
  const s = verification.manifest.serialization;
  const want = entry.serialization;
  if (s.method !== want.method || s.hashType !== want.hashType || (want.method === 'shards' && s.shardSize !== want.shardSize)) {
    throw new ModelsealError('LOCK_DIGEST_CHANGED', `pinned artifact ${name} was re-signed with another serialization (${s.method}/${s.hashType}, pinned ${want.method}/${want.hashType}): its digest is not comparable`, {
      file: artifact,
      details: { name, pinned: want, actual: { method: s.method, hashType: s.hashType, shardSize: s.shardSize } },
    });
  }
  if (!bindsVerifiedDigest(verification.rootDigest, entry.digest.sha256)) {
    throw new ModelsealError('LOCK_DIGEST_CHANGED', `pinned artifact ${name} changed: sha256:${verification.rootDigest}, pinned sha256:${entry.digest.sha256}`, {
      file: artifact,
      details: { name, pinned: entry.digest.sha256, actual: verification.rootDigest },
    });
  }
  return { name, kind: entry.kind, artifact: abs, rootDigest: verification.rootDigest, keyHint: verification.keyHint, verification };
}

function lockOf(lock: VerifyLockedOptions['lock']): LockFile {
  return typeof lock === 'object' ? lock : readLockFile(lock ?? LOCK_FILE_NAME);
}

/**
 * For loaders: refuses to load `name` from `artifact` unless the lock file pins that
 * name and the artifact verifies with a pinned signer to exactly the pinned digest.
 */
export async function verifyLocked(name: string, artifact: string, options: VerifyLockedOptions = {}): Promise<LockedResult> {
  const lock = lockOf(options.lock);
  const entry = lock.artifacts.get(name);
  if (!entry) throw new ModelsealError('NOT_PINNED', `${quoted(name)} is not pinned in the lock file`, { file: lock.file, details: { name } });
  return verifyEntry(lock, name, entry, artifact, options);
}

export type LockVerifyOutcome = { name: string; path: string; ok: true; result: LockedResult } | { name: string; path: string; ok: false; error: ModelsealError };

/** Verifies every artifact of a lock file where the lock says it is; one outcome per entry, in name order. */
export async function verifyLockFile(lockFile: string | LockFile, options: Omit<VerifyLockedOptions, 'lock' | 'signature'> = {}): Promise<LockVerifyOutcome[]> {
  const lock = lockOf(lockFile);
  const out: LockVerifyOutcome[] = [];
  for (const name of [...lock.artifacts.keys()].sort()) {
    const entry = lock.artifacts.get(name) as LockEntry;
    const artifact = resolveLockPath(lock, entry.path);
    try {
      out.push({ name, path: entry.path, ok: true, result: await verifyEntry(lock, name, entry, artifact, options) });
    } catch (err) {
      if (!(err instanceof ModelsealError)) throw err;
      out.push({ name, path: entry.path, ok: false, error: err });
    }
  }
  return out;
}
