import { createVerify, type KeyObject } from 'node:crypto';

/**
 * model_signing v0.2.0 signed DSSE envelopes over a malformed PAE:
 * `f"DSSEV1 {len(type)} {type} {len(payload)} {payload!r}"`, i.e. a capital "V" and
 * Python's repr() of the payload bytes (b'...'), hashed with SHA-256 whatever the curve.
 * Verifiers of that release's signatures must rebuild exactly these bytes; they are made
 * and hashed in chunks (the repr of a byte can take four), never held whole.
 */
const CHUNK = 64 * 1024;
const HEX = Buffer.from('0123456789abcdef');

/** Python's repr() of bytes, in chunks of ASCII. */
export function* pythonBytesReprChunks(bytes: Uint8Array): Generator<Buffer> {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Python prefers single quotes unless the bytes hold ' and no ".
  const quote = b.includes(0x27) && !b.includes(0x22) ? 0x22 : 0x27;
  let out = Buffer.allocUnsafe(CHUNK + 4);
  let o = 0;
  out[o++] = 0x62; // b
  out[o++] = quote;
  const escape = (c: number) => {
    out[o++] = 0x5c;
    out[o++] = c;
  };
  for (const c of b) {
    if (c === 0x5c || c === quote) escape(c);
    else if (c === 0x09) escape(0x74);
    else if (c === 0x0a) escape(0x6e);
    else if (c === 0x0d) escape(0x72);
    else if (c < 0x20 || c >= 0x7f) {
      escape(0x78);
      out[o++] = HEX[c >> 4];
      out[o++] = HEX[c & 15];
    } else out[o++] = c;
    if (o >= CHUNK) {
      yield out.subarray(0, o);
      out = Buffer.allocUnsafe(CHUNK + 4);
      o = 0;
    }
  }
  out[o++] = quote;
  yield out.subarray(0, o);
}

export function pythonBytesRepr(bytes: Uint8Array): string {
  return Buffer.concat([...pythonBytesReprChunks(bytes)]).toString('latin1');
}

/** Verifies an ECDSA signature over the legacy PAE of (payloadType, payload). */
export function verifyLegacyPreAuth(payloadType: string, payload: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  const verifier = createVerify('sha256');
  verifier.update(`DSSEV1 ${payloadType.length} ${payloadType} ${payload.length} `, 'utf8');
  for (const chunk of pythonBytesReprChunks(payload)) verifier.update(chunk);
  return verifier.verify(key, signature);
}
