import { sign as nodeSign, type KeyObject } from 'node:crypto';

/**
 * A tiny hand-written CBOR byte builder for tests, independent of cbor-x and of
 * src/: it writes exactly what it is told, including the malformed forms (indefinite
 * lengths, duplicate keys, long-form integers) that the code under test must refuse.
 */
export function head(major: number, n: number): Buffer {
  const m = major << 5;
  if (n < 24) return Buffer.from([m | n]);
  if (n < 0x100) return Buffer.from([m | 24, n]);
  if (n < 0x10000) return Buffer.from([m | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = m | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

export const int = (n: number): Buffer => (n >= 0 ? head(0, n) : head(1, -1 - n));
export const bstr = (b: Buffer): Buffer => Buffer.concat([head(2, b.length), b]);
export const tstr = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([head(3, b.length), b]);
};
export const arr = (items: Buffer[]): Buffer => Buffer.concat([head(4, items.length), ...items]);
/** A map from already-encoded key/value pairs, in the given order (duplicates allowed). */
export const map = (pairs: Array<[Buffer, Buffer]>): Buffer => Buffer.concat([head(5, pairs.length), ...pairs.flat()]);
export const tag = (n: number, item: Buffer): Buffer => Buffer.concat([head(6, n), item]);
export const NULL = Buffer.from([0xf6]);

export const CONTENT_TYPE = 'application/vnd.in-toto+json';

export const ALG: Record<string, number> = { ed25519: -8, 'ecdsa-p256': -7, 'ecdsa-p384': -35, 'ecdsa-p521': -36 };
const HASH: Record<string, string> = { 'ecdsa-p256': 'sha256', 'ecdsa-p384': 'sha384', 'ecdsa-p521': 'sha512' };

/** The usual protected header pairs: alg, content type, kid, CWT claims {iss, sub}. */
export function headerPairs(alg: number, kid: Buffer, claims: Buffer = map([[int(1), tstr('issuer')], [int(2), tstr('subject')]])): Array<[Buffer, Buffer]> {
  return [
    [int(1), int(alg)],
    [int(3), tstr(CONTENT_TYPE)],
    [int(4), bstr(kid)],
    [int(15), claims],
  ];
}

/** Signs Sig_structure ["Signature1", protected, h'', payload] with Node's crypto (raw r||s for ECDSA). */
export function signSign1(type: string, key: KeyObject, protectedBytes: Buffer, payload: Buffer): Buffer {
  const tbs = arr([tstr('Signature1'), bstr(protectedBytes), bstr(Buffer.alloc(0)), bstr(payload)]);
  if (type === 'ed25519') return nodeSign(null, tbs, key);
  return nodeSign(HASH[type], tbs, { key, dsaEncoding: 'ieee-p1363' });
}

/** A tagged COSE_Sign1 from encoded parts. */
export function sign1(protectedBytes: Buffer, unprotected: Buffer, payload: Buffer, signature: Buffer): Buffer {
  return tag(18, arr([bstr(protectedBytes), unprotected, bstr(payload), bstr(signature)]));
}
