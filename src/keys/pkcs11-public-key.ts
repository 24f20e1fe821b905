import { createPublicKey } from 'node:crypto';
import { ModelsealError } from '../errors';
import { ED25519_SPKI_PREFIX } from './ed25519';
import type { KeyType } from './key-types';

/** The DER forms of CKA_EC_PARAMS for the curves modelseal signs with. */
export const EC_PARAMS: Record<KeyType, Buffer> = {
  'ecdsa-p256': Buffer.from('06082a8648ce3d030107', 'hex'),
  'ecdsa-p384': Buffer.from('06052b81040022', 'hex'),
  'ecdsa-p521': Buffer.from('06052b81040023', 'hex'),
  ed25519: Buffer.from('06032b6570', 'hex'),
};
/** PKCS#11 3.0 also allows the curve name as a PrintableString. */
const ED25519_NAME = Buffer.concat([Buffer.from([0x13, 12]), Buffer.from('edwards25519', 'ascii')]);
const EC_PUBLIC_KEY_OID = Buffer.from('06072a8648ce3d0201', 'hex');
const POINT_BYTES: Record<KeyType, number> = { 'ecdsa-p256': 65, 'ecdsa-p384': 97, 'ecdsa-p521': 133, ed25519: 32 };

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}
function tlv(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

export function keyTypeOfEcParams(params: Buffer): KeyType | undefined {
  if (params.equals(ED25519_NAME)) return 'ed25519';
  return (Object.keys(EC_PARAMS) as KeyType[]).find((t) => EC_PARAMS[t].equals(params));
}

/**
 * CKA_EC_POINT holds the point wrapped in a DER OCTET STRING (PKCS#11 2.40) or, on
 * some tokens, bare; the expected point length for the curve tells which.
 */
function unwrapPoint(type: KeyType, point: Buffer): Buffer {
  const want = POINT_BYTES[type];
  if (point.length === want) return point;
  const header = derLength(want).length + 1;
  if (point.length === want + header && point[0] === 0x04 && point.subarray(1, header).equals(derLength(want))) return point.subarray(header);
  throw new ModelsealError('KEY_INVALID', `the token's public key has an EC point of ${point.length} bytes, not one for ${type}`);
}

/** SPKI DER of a token public key from its CKA_EC_PARAMS and CKA_EC_POINT. */
export function spkiFromToken(params: Buffer, point: Buffer): { type: KeyType; spki: Buffer } {
  const type = keyTypeOfEcParams(params);
  if (!type) throw new ModelsealError('KEY_UNSUPPORTED', 'the token key is on a curve modelseal does not sign with (use P-256, P-384, P-521 or Ed25519)');
  const raw = unwrapPoint(type, point);
  const spki =
    type === 'ed25519'
      ? Buffer.concat([ED25519_SPKI_PREFIX, raw])
      : tlv(0x30, Buffer.concat([tlv(0x30, Buffer.concat([EC_PUBLIC_KEY_OID, EC_PARAMS[type]])), tlv(0x03, Buffer.concat([Buffer.from([0]), raw]))]));
  try {
    createPublicKey({ key: spki, format: 'der', type: 'spki' }); // the point must be on the curve
  } catch (err) {
    throw new ModelsealError('KEY_INVALID', "the token's public key is not a valid point on its curve", { cause: err });
  }
  return { type, spki };
}
