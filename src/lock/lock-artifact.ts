import { X509Certificate } from 'node:crypto';
import * as path from 'node:path';
import { lockSync } from 'proper-lockfile';
import { ModelsealError } from '../errors';
import { checkName, describeMatch } from '../guard/check-name';
import { loadPublicKey } from '../keys/load';
import type { PublicKeyInfo } from '../keys/key-types';
import { defaultSignaturePath, refuseOutputInside } from '../sign/signature-path';
import { verifyArtifact, type VerifyResult } from '../verify/verify-artifact';
import { readLockFile, relativeToLock, serializeLockFile, writeLockFile } from './lock-file';
import type { TrustedSigner } from '../verify/trusted-signer';
import { LOCK_FILE_NAME, type LockEntry, type LockSigner } from './lock-types';
import { quoted } from '../names';

export interface LockArtifactOptions {
  /** The lock file (default `modelseal.lock` in the current folder); created if absent. */
  lock?: string;
  /** model (default), dataset, adapter, ... */
  kind?: string;
  /** Trusted public keys: the artifact must verify with one of them, which is then pinned. */
  keys?: ReadonlyArray<PublicKeyInfo | string>;
  /**
   * Other trusted signers (Sigstore identities, CA roots). What is pinned is what verified:
   * the certificate's identity and issuer (never a pattern), or the signing certificate's
   * subject and the root that anchored it.
   */
  signers?: readonly TrustedSigner[];
  signature?: string;
  /** Replace an existing pin of this name that differs. */
  force?: boolean;
  /** Pin a name even though it is a near-name of another pinned name. */
  allowNearName?: boolean;
}

export interface LockArtifactResult {
  name: string;
  lock: string;
  entry: LockEntry;
  /** The pin this one replaced, if any. */
  replaced?: LockEntry;
  verification: VerifyResult;
}

/** The pin for the signer that verified. */
function pinOf(v: VerifyResult, keys: readonly PublicKeyInfo[]): LockSigner {
  const who = v.signer;
  if (who.method === 'sigstore') {
    if (!who.identity || !who.issuer) throw new ModelsealError('INTERNAL_ERROR', 'a keyless signature verified without an identity and issuer');
    return { method: 'sigstore', identity: who.identity, issuer: who.issuer };
  }
  if (who.method === 'certificate') {
    if (!who.identity || !who.rootCertificate) throw new ModelsealError('INTERNAL_ERROR', 'a certificate signature verified without its subject and root');
    const root = new X509Certificate(who.rootCertificate);
    return { method: 'certificate', subject: who.identity, rootFingerprint: root.fingerprint256.replace(/:/g, '').toLowerCase(), root: root.toString().trim() };
  }
  const key = keys.find((k) => k.hint === v.keyHint) ?? (who.trusted.kind === 'key' && typeof who.trusted.key !== 'string' ? who.trusted.key : undefined);
  if (!key) throw new ModelsealError('INTERNAL_ERROR', 'the verifying key is not among the given keys');
  return { method: 'key', keyType: key.type, keyHint: key.hint, publicKey: key.pem };
}

const NAME = /^[^\s\u0000-\u001f\u007f/][^\s\u0000-\u001f\u007f]*$/u;
const KIND = /^[a-z][a-z0-9-]{0,31}$/;

function sameEntry(a: LockEntry, b: LockEntry): boolean {
  return serializeLockFile({ artifacts: new Map([['x', a]]) }) === serializeLockFile({ artifacts: new Map([['x', b]]) });
}

/**
 * `lock add`: verifies an artifact with the given keys (refusing one that does not
 * verify) and pins its name to the verified root digest, serialization and signer.
 */
export async function lockArtifact(name: string, artifact: string, options: LockArtifactOptions): Promise<LockArtifactResult> {
  if (name.length === 0 || name.length > 256 || !NAME.test(name)) {
    throw new ModelsealError('USAGE_ERROR', `invalid artifact name ${quoted(name)}: no spaces or control characters, not starting with "/", at most 256 characters`);
  }
  const kind = options.kind ?? 'model';
  if (!KIND.test(kind)) throw new ModelsealError('USAGE_ERROR', `invalid kind ${quoted(kind)}: lowercase letters, digits and "-"`);
  const lockPath = path.resolve(options.lock ?? LOCK_FILE_NAME);
  readLockFile(lockPath, { allowMissing: true }); // a malformed lock is refused before any hashing

  const keys = (options.keys ?? []).map((k) => (typeof k === 'string' ? loadPublicKey(k) : k));
  if (keys.length === 0 && (options.signers ?? []).length === 0) {
    throw new ModelsealError('USAGE_ERROR', 'say whom to trust: a public key, a Sigstore identity and issuer, or CA roots');
  }
  const verification = await verifyArtifact(artifact, { keys, signers: options.signers, signature: options.signature });
  refuseOutputInside(verification.artifact, lockPath, 'the lock file');
  const pin = pinOf(verification, keys);
  const s = verification.manifest.serialization;

  let release: (() => void) | undefined;
  try {
    release = lockSync(lockPath, { realpath: false });
  } catch (err) {
    throw new ModelsealError('USAGE_ERROR', 'is being updated by another modelseal process; try again', { file: lockPath, cause: err });
  }
  try {
    const lock = readLockFile(lockPath, { allowMissing: true });
    const entry: LockEntry = {
      kind,
      path: relativeToLock(lock, verification.artifact),
      ...(verification.signature !== defaultSignaturePath(verification.artifact) ? { signature: relativeToLock(lock, verification.signature) } : {}),
      digest: { sha256: verification.rootDigest },
      serialization: { method: s.method, hashType: s.hashType, ...(s.method === 'shards' ? { shardSize: s.shardSize } : {}) },
      signers: [pin],
    };
    const existing = lock.artifacts.get(name);
    if (existing && !sameEntry(existing, entry) && !options.force) {
      throw new ModelsealError('OUTPUT_EXISTS', `${name} is already pinned (sha256:${existing.digest.sha256}); pass --force to re-pin it`, { file: lockPath, details: { name, pinned: existing } });
    }
    if (!existing && !options.allowNearName) {
      const check = checkName(name, { pinned: lock.artifacts.keys() });
      if (check.flagged) {
        throw new ModelsealError('NEAR_NAME', `refusing to pin ${quoted(name)}: ${check.matches.map(describeMatch).join('; ')} (pass --allow-near-name if it is really a different artifact)`, {
          file: lockPath,
          details: check,
        });
      }
    }
    lock.artifacts.set(name, entry);
    writeLockFile(lock);
    return { name, lock: lock.file, entry, ...(existing && !sameEntry(existing, entry) ? { replaced: existing } : {}), verification };
  } finally {
    release();
  }
}
