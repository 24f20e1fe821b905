import type { KeyType } from '../keys/key-types';

export const LOCK_FILE_NAME = 'modelseal.lock';
export const LOCKFILE_VERSION = 1;

/**
 * A signer pinned for an artifact: a public key; a Sigstore identity (certificate SAN) with
 * its OIDC issuer; or an X.509 signer: the signing certificate's subject and the CA root that
 * anchored its chain (SHA-256 fingerprint of the DER, with the root itself so that
 * `lock verify` needs no flags, as a key pin carries its public key).
 */
export type LockSigner =
  | { method: 'key'; keyType: KeyType; keyHint: string; publicKey: string }
  | { method: 'sigstore'; identity: string; issuer: string }
  | { method: 'certificate'; subject: string; rootFingerprint: string; root: string };

export interface LockEntry {
  kind: string;
  /** The artifact, relative to the lock file's folder, with POSIX separators. */
  path: string;
  /** The signature file relative to the lock file's folder, only when not at the default place. */
  signature?: string;
  digest: { sha256: string };
  serialization: { method: 'files' | 'shards'; hashType: 'sha256' | 'blake2b' | 'blake3'; shardSize?: number };
  signers: LockSigner[];
}

export interface LockFile {
  /** Absolute path of the lock file; paths in entries are relative to its folder. */
  file: string;
  artifacts: Map<string, LockEntry>;
}
