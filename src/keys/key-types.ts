import type { KeyObject } from 'node:crypto';

/** Key types modelseal generates, signs and verifies with. */
export type KeyType = 'ed25519' | 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521';

export const KEY_TYPES: readonly KeyType[] = ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521'];

export interface PublicKeyInfo {
  type: KeyType;
  key: KeyObject;
  /** SPKI PEM in Node's canonical form (64-column base64, trailing newline). */
  pem: string;
  /** model_signing's key hint: hex SHA-256 of `pem`. A hint, never identity. */
  hint: string;
  /** The key's identity: hex SHA-256 of its canonical SPKI DER (EC point uncompressed); see keys/identity.ts. */
  id: string;
}

export interface PrivateKeyInfo {
  type: KeyType;
  key: KeyObject;
  publicKey: PublicKeyInfo;
}
