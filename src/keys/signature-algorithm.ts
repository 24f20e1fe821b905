import { createSign, createVerify, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type { KeyType } from './key-types';
import { signEd25519, verifyEd25519 } from './ed25519';

/** ECDSA hashes are chosen by the curve, as OMS requires (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512). */
const ECDSA_HASH: Record<Exclude<KeyType, 'ed25519'>, string> = {
  'ecdsa-p256': 'sha256',
  'ecdsa-p384': 'sha384',
  'ecdsa-p521': 'sha512',
};

const ECDSA_FIELD_BYTES: Record<Exclude<KeyType, 'ed25519'>, number> = { 'ecdsa-p256': 32, 'ecdsa-p384': 48, 'ecdsa-p521': 66 };

export function hashForKey(type: KeyType): string | null {
  return type === 'ed25519' ? null : ECDSA_HASH[type];
}

/** How an ECDSA signature is written: DER (Sigstore, model_signing) or raw r||s, IEEE P1363 (COSE). */
export type EcdsaEncoding = 'der' | 'ieee-p1363';

/** Signs bytes; ECDSA signatures are DER-encoded as Sigstore and model_signing write them, unless asked otherwise. */
export function signBytes(type: KeyType, key: KeyObject, data: Uint8Array, ecdsaEncoding: EcdsaEncoding = 'der'): Buffer {
  if (type === 'ed25519') return signEd25519(key, data);
  return nodeSign(ECDSA_HASH[type], data, { key, dsaEncoding: ecdsaEncoding });
}

function tryVerify(hash: string, data: Uint8Array, key: KeyObject, encoding: 'der' | 'ieee-p1363', signature: Uint8Array): boolean {
  try {
    return nodeVerify(hash, data, { key, dsaEncoding: encoding }, signature);
  } catch {
    return false;
  }
}

/**
 * Verifies bytes; ECDSA signatures are accepted in DER or in IEEE P1363 (r||s) form,
 * or only in the one form given (COSE allows r||s alone).
 */
export function verifyBytes(type: KeyType, key: KeyObject, data: Uint8Array, signature: Uint8Array, only?: EcdsaEncoding): boolean {
  if (type === 'ed25519') return verifyEd25519(key, data, signature);
  const hash = ECDSA_HASH[type];
  if (only !== 'ieee-p1363' && tryVerify(hash, data, key, 'der', signature)) return true;
  if (only === 'der') return false;
  return signature.length === 2 * ECDSA_FIELD_BYTES[type] && tryVerify(hash, data, key, 'ieee-p1363', signature);
}

/**
 * signBytes over the concatenation of `parts`: ECDSA hashes them in order, so a large
 * message is never joined; Ed25519 (which reads its message twice) signs it joined.
 */
export function signParts(type: KeyType, key: KeyObject, parts: readonly Uint8Array[], ecdsaEncoding: EcdsaEncoding = 'der'): Buffer {
  if (type === 'ed25519') return signEd25519(key, Buffer.concat(parts));
  const signer = createSign(ECDSA_HASH[type]);
  for (const p of parts) signer.update(p);
  return signer.sign({ key, dsaEncoding: ecdsaEncoding });
}

function tryVerifyParts(hash: string, parts: readonly Uint8Array[], key: KeyObject, encoding: EcdsaEncoding, signature: Uint8Array): boolean {
  try {
    const verifier = createVerify(hash);
    for (const p of parts) verifier.update(p);
    return verifier.verify({ key, dsaEncoding: encoding }, signature);
  } catch {
    return false;
  }
}

/** verifyBytes over the concatenation of `parts`, joined only for Ed25519. */
export function verifyParts(type: KeyType, key: KeyObject, parts: readonly Uint8Array[], signature: Uint8Array, only?: EcdsaEncoding): boolean {
  if (type === 'ed25519') return verifyEd25519(key, Buffer.concat(parts), signature);
  const hash = ECDSA_HASH[type];
  if (only !== 'ieee-p1363' && tryVerifyParts(hash, parts, key, 'der', signature)) return true;
  if (only === 'der') return false;
  return signature.length === 2 * ECDSA_FIELD_BYTES[type] && tryVerifyParts(hash, parts, key, 'ieee-p1363', signature);
}
