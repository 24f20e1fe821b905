import { ModelsealError } from '../errors';
import { derToRaw, rawToDer } from './ecdsa-der';
import type { KeyType, PrivateKeyInfo, PublicKeyInfo } from './key-types';
import { signBytes, signParts, verifyBytes, type EcdsaEncoding } from './signature-algorithm';

/** Where a signing key lives. */
export type KeySource = 'file' | 'pkcs11' | 'exec';

/**
 * A private key modelseal cannot hold: on a PKCS#11 token or behind an external
 * signer (a KMS adapter). It answers one request: sign these exact bytes.
 */
export interface ExternalKey {
  readonly type: KeyType;
  readonly publicKey: PublicKeyInfo;
  readonly source: Exclude<KeySource, 'file'>;
  /** The key reference with every secret (PIN) left out, for messages and --json. */
  readonly reference: string;
  /** Signs `data`; ECDSA signatures come back DER-encoded, Ed25519 as 64 bytes. Synchronous. */
  signData(data: Uint8Array): Buffer;
}

/** What every signing path takes: a key held in memory or one held elsewhere. */
export type SigningKey = PrivateKeyInfo | ExternalKey;

export function isExternalKey(key: SigningKey): key is ExternalKey {
  return 'signData' in key;
}

export function keySourceOf(key: SigningKey): KeySource {
  return isExternalKey(key) ? key.source : 'file';
}

const FIELD_BYTES: Record<Exclude<KeyType, 'ed25519'>, number> = { 'ecdsa-p256': 32, 'ecdsa-p384': 48, 'ecdsa-p521': 66 };

/**
 * Signs bytes with any signing key. A signature from outside the process (token,
 * external signer) is checked against the key's public key before anyone can write
 * it, and must be canonical DER for ECDSA; COSE gets it re-encoded as r||s.
 */
export function signWith(key: SigningKey, data: Uint8Array, ecdsaEncoding: EcdsaEncoding = 'der'): Buffer {
  if (!isExternalKey(key)) return signBytes(key.type, key.key, data, ecdsaEncoding);
  const signature = key.signData(data);
  if (key.type !== 'ed25519') derToRaw(signature, FIELD_BYTES[key.type]); // canonical DER or refusal
  if (!verifyBytes(key.type, key.publicKey.key, data, signature, key.type === 'ed25519' ? undefined : 'der')) {
    throw new ModelsealError('SIGNER_FAILED', `${key.reference}: the signature returned does not verify with the key's public key`);
  }
  if (key.type !== 'ed25519' && ecdsaEncoding === 'ieee-p1363') return derToRaw(signature, FIELD_BYTES[key.type]);
  return signature;
}

/** signWith over the concatenation of `parts`: a key in memory hashes them in order; one held elsewhere gets them joined. */
export function signPartsWith(key: SigningKey, parts: readonly Uint8Array[], ecdsaEncoding: EcdsaEncoding = 'der'): Buffer {
  if (isExternalKey(key)) return signWith(key, Buffer.concat(parts), ecdsaEncoding);
  return signParts(key.type, key.key, parts, ecdsaEncoding);
}

/** The longest DER encoding of an ECDSA signature for a key type (two INTEGERs of field size + 1 in a SEQUENCE). */
export function maxEcdsaDerBytes(type: Exclude<KeyType, 'ed25519'>): number {
  return 2 * FIELD_BYTES[type] + 9;
}

/** DER of a raw r||s ECDSA signature for a key type (tokens sign raw). */
export function ecdsaRawToDer(type: Exclude<KeyType, 'ed25519'>, raw: Uint8Array): Buffer {
  return rawToDer(raw, FIELD_BYTES[type]);
}
