import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * Who a key is. One public key has several encodings (an EC point compressed or not,
 * PEM line widths, text around the block): identity must not depend on any of them, or
 * one key counts twice toward a threshold and a pin or a policy misses it. The canonical
 * form is the SPKI DER of the key with the EC point uncompressed; its SHA-256 (hex) is
 * the key's identity for thresholds, duplicates, lock pins and attribution. Hints in
 * bundles stay hints.
 */
export function canonicalPublicKey(key: KeyObject): KeyObject {
  // Node keeps the point format it was given on export; a JWK round trip (x and y) uncompresses it.
  return key.asymmetricKeyType === 'ec' ? createPublicKey({ key: key.export({ format: 'jwk' }), format: 'jwk' }) : key;
}

/** Hex SHA-256 of the canonical SPKI DER. */
export function keyIdentity(key: KeyObject): string {
  return createHash('sha256').update(canonicalPublicKey(key).export({ type: 'spki', format: 'der' })).digest('hex');
}
