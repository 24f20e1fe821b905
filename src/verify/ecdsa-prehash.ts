import { createPublicKey, type KeyObject } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';

/**
 * ECDSA verification over a digest the caller already computed. node:crypto can only
 * verify over a message it hashes itself; Sigstore's DIGEST mode hands us `sha256:<hex>`
 * of an artifact we never see, so the check is done by @noble/curves over the digest.
 *
 * High-S signatures are accepted, as node:crypto (OpenSSL) and model_signing's
 * `cryptography` accept them on every other path: one key, one verdict, whichever path
 * checks it. (r, n-s) verifying as well as (r, s) is ECDSA's known malleability; nothing
 * here identifies a signature by its bytes.
 */
const CURVES = { prime256v1: p256, secp384r1: p384, secp521r1: p521 } as const;

/** Verifies a DER ECDSA signature over a precomputed digest with a P-256/P-384/P-521 key. */
export function verifyEcdsaPrehashed(key: KeyObject | Buffer | string, digest: Uint8Array, signature: Uint8Array): boolean {
  const pub = typeof key === 'string' || Buffer.isBuffer(key) ? createPublicKey(key as string) : key;
  if (pub.asymmetricKeyType !== 'ec') return false;
  const curve = CURVES[(pub.asymmetricKeyDetails?.namedCurve ?? '') as keyof typeof CURVES];
  if (!curve) return false;
  const jwk = pub.export({ format: 'jwk' });
  if (!jwk.x || !jwk.y) return false;
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
  try {
    return curve.verify(signature, digest, point, { prehash: false, format: 'der', lowS: false });
  } catch {
    return false; // malformed DER, a point off the curve
  }
}
