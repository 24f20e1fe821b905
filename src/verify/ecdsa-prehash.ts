import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * ECDSA verification over a digest the caller already computed (FIPS 186-4 §6.4.2).
 * node:crypto can only verify over a message it hashes itself; Sigstore's DIGEST mode
 * hands us `sha256:<hex>` of an artifact we never see, so the check is done here with
 * BigInt arithmetic. Only public values are involved, so constant time is not needed.
 */

interface Curve {
  p: bigint;
  n: bigint;
  a: bigint;
  gx: bigint;
  gy: bigint;
  bytes: number;
}

const h = (s: string) => BigInt(`0x${s.replace(/\s+/g, '')}`);

const CURVES: Record<string, Curve> = {
  prime256v1: {
    p: h('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff'),
    n: h('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
    a: h('ffffffff00000001000000000000000000000000fffffffffffffffffffffffc'),
    gx: h('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296'),
    gy: h('4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5'),
    bytes: 32,
  },
  secp384r1: {
    p: h('fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff'),
    n: h('ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973'),
    a: h('fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc'),
    gx: h('aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7'),
    gy: h('3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f'),
    bytes: 48,
  },
  secp521r1: {
    p: (1n << 521n) - 1n,
    n: h('01ff ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff fffffffa 51868783 bf2f966b 7fcc0148 f709a5d0 3bb5c9b8 899c47ae bb6fb71e 91386409'),
    a: (1n << 521n) - 4n,
    gx: h('00c6 858e06b7 0404e9cd 9e3ecb66 2395b442 9c648139 053fb521 f828af60 6b4d3dba a14b5e77 efe75928 fe1dc127 a2ffa8de 3348b3c1 856a429b f97e7e31 c2e5bd66'),
    gy: h('0118 39296a78 9a3bc004 5c8a5fb4 2c7d1bd9 98f54449 579b4468 17afbd17 273e662c 97ee7299 5ef42640 c550b901 3fad0761 353c7086 a272c240 88be9476 9fd16650'),
    bytes: 66,
  },
};

const mod = (a: bigint, m: bigint) => {
  const r = a % m;
  return r >= 0n ? r : r + m;
};

function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}

/** Jacobian coordinates; z = 0 is the point at infinity. */
type Point = [bigint, bigint, bigint];
const INFINITY: Point = [0n, 1n, 0n];

function double(c: Curve, [x, y, z]: Point): Point {
  if (z === 0n || y === 0n) return INFINITY;
  const { p, a } = c;
  const yy = mod(y * y, p);
  const s = mod(4n * x * yy, p);
  const zz = mod(z * z, p);
  const m = mod(3n * x * x + a * zz * zz, p);
  const x3 = mod(m * m - 2n * s, p);
  const y3 = mod(m * (s - x3) - 8n * yy * yy, p);
  return [x3, y3, mod(2n * y * z, p)];
}

function add(c: Curve, P: Point, Q: Point): Point {
  if (P[2] === 0n) return Q;
  if (Q[2] === 0n) return P;
  const { p } = c;
  const z1z1 = mod(P[2] * P[2], p);
  const z2z2 = mod(Q[2] * Q[2], p);
  const u1 = mod(P[0] * z2z2, p);
  const u2 = mod(Q[0] * z1z1, p);
  const s1 = mod(P[1] * Q[2] * z2z2, p);
  const s2 = mod(Q[1] * P[2] * z1z1, p);
  if (u1 === u2) return s1 === s2 ? double(c, P) : INFINITY;
  const hh = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  const h2 = mod(hh * hh, p);
  const h3 = mod(h2 * hh, p);
  const x3 = mod(r * r - h3 - 2n * u1 * h2, p);
  const y3 = mod(r * (u1 * h2 - x3) - s1 * h3, p);
  return [x3, y3, mod(hh * P[2] * Q[2], p)];
}

/** u1·G + u2·Q by simultaneous double-and-add (Shamir's trick). */
function twoMultiply(c: Curve, u1: bigint, G: Point, u2: bigint, Q: Point): Point {
  const GQ = add(c, G, Q);
  let R = INFINITY;
  const bits = Math.max(u1.toString(2).length, u2.toString(2).length);
  for (let i = bits - 1; i >= 0; i--) {
    R = double(c, R);
    const b1 = (u1 >> BigInt(i)) & 1n;
    const b2 = (u2 >> BigInt(i)) & 1n;
    if (b1 && b2) R = add(c, R, GQ);
    else if (b1) R = add(c, R, G);
    else if (b2) R = add(c, R, Q);
  }
  return R;
}

/** Reads r and s from a DER ECDSA-Sig-Value (strict: minimal lengths and integers). */
export function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } | null {
  const b = Buffer.from(der);
  let i = 0;
  const readLen = (): number | null => {
    if (i >= b.length) return null;
    const first = b[i++];
    if (first < 0x80) return first;
    if (first !== 0x81 || i >= b.length || b[i] < 0x80) return null;
    return b[i++];
  };
  const readInt = (): bigint | null => {
    if (b[i++] !== 0x02) return null;
    const len = readLen();
    if (len === null || len === 0 || i + len > b.length) return null;
    const bytes = b.subarray(i, i + len);
    if (bytes[0] & 0x80) return null; // negative
    if (len > 1 && bytes[0] === 0 && !(bytes[1] & 0x80)) return null; // non-minimal
    i += len;
    return BigInt(`0x${bytes.toString('hex')}`);
  };
  if (b[i++] !== 0x30) return null;
  const total = readLen();
  if (total === null || i + total !== b.length) return null;
  const r = readInt();
  const s = r === null ? null : readInt();
  if (r === null || s === null || i !== b.length) return null;
  return { r, s };
}

/** Verifies a DER ECDSA signature over a precomputed digest with a P-256/P-384/P-521 key. */
export function verifyEcdsaPrehashed(key: KeyObject | Buffer | string, digest: Uint8Array, signature: Uint8Array): boolean {
  const pub = typeof key === 'string' || Buffer.isBuffer(key) ? createPublicKey(key as string) : key;
  if (pub.asymmetricKeyType !== 'ec') return false;
  const curve = CURVES[pub.asymmetricKeyDetails?.namedCurve ?? ''];
  if (!curve) return false;
  const jwk = pub.export({ format: 'jwk' });
  if (!jwk.x || !jwk.y) return false;
  const Q: Point = [BigInt(`0x${Buffer.from(jwk.x, 'base64url').toString('hex')}`), BigInt(`0x${Buffer.from(jwk.y, 'base64url').toString('hex')}`), 1n];
  const sig = parseDerSignature(signature);
  if (!sig) return false;
  const { r, s } = sig;
  const { n } = curve;
  if (r <= 0n || r >= n || s <= 0n || s >= n) return false;
  // e = leftmost bits of the digest, as many as the order has.
  const nBits = n.toString(2).length;
  let e = digest.length === 0 ? 0n : BigInt(`0x${Buffer.from(digest).toString('hex')}`);
  const dBits = digest.length * 8;
  if (dBits > nBits) e >>= BigInt(dBits - nBits);
  const w = inverse(s, n);
  const R = twoMultiply(curve, mod(e * w, n), [curve.gx, curve.gy, 1n], mod(r * w, n), Q);
  if (R[2] === 0n) return false;
  const zInv = inverse(R[2], curve.p);
  const x = mod(R[0] * zInv * zInv, curve.p);
  return mod(x, n) === r;
}
