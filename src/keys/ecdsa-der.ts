import { ModelsealError } from '../errors';

/**
 * ECDSA signature encodings: raw r||s (IEEE P1363, what PKCS#11 tokens return) and the
 * DER SEQUENCE { INTEGER r, INTEGER s } Sigstore and model_signing write. Written here
 * because the conversion must be exact (minimal INTEGERs, a 0x00 only before a set top
 * bit, leading zero bytes of r or s dropped) and the reverse must refuse every
 * non-canonical encoding an external signer could hand back.
 */

function derInteger(value: Buffer): Buffer {
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  let v = value.subarray(i);
  if (v[0] & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return Buffer.concat([Buffer.from([0x02, v.length]), v]);
}

/** Raw r||s (each `fieldBytes` long) to DER. */
export function rawToDer(raw: Uint8Array, fieldBytes: number): Buffer {
  if (raw.length !== 2 * fieldBytes) {
    throw new ModelsealError('SIGNER_FAILED', `the signature is ${raw.length} bytes; a raw ECDSA signature for this curve is ${2 * fieldBytes}`);
  }
  const b = Buffer.from(raw);
  const body = Buffer.concat([derInteger(b.subarray(0, fieldBytes)), derInteger(b.subarray(fieldBytes))]);
  // P-521 signatures pass 127 bytes: the long length form.
  const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x30]), len, body]);
}

function bad(): ModelsealError {
  return new ModelsealError('SIGNER_FAILED', 'the signature is not a canonical DER ECDSA signature');
}

/** Strict DER to raw r||s; refuses anything rawToDer would not have written. */
export function derToRaw(der: Uint8Array, fieldBytes: number): Buffer {
  const d = Buffer.from(der);
  if (d.length < 8 || d[0] !== 0x30) throw bad();
  let off = 2;
  let len = d[1];
  if (len === 0x81) {
    len = d[2];
    off = 3;
    if (len < 0x80) throw bad();
  } else if (len > 0x80) {
    throw bad();
  }
  if (off + len !== d.length) throw bad();
  const ints: Buffer[] = [];
  for (let n = 0; n < 2; n++) {
    if (d[off] !== 0x02) throw bad();
    const l = d[off + 1];
    if (l === undefined || l === 0 || l >= 0x80 || off + 2 + l > d.length) throw bad();
    const v = d.subarray(off + 2, off + 2 + l);
    if (v[0] & 0x80) throw bad(); // negative
    if (v[0] === 0 && (l === 1 || !(v[1] & 0x80))) throw bad(); // zero or non-minimal
    const magnitude = v[0] === 0 ? v.subarray(1) : v;
    if (magnitude.length > fieldBytes) throw bad();
    ints.push(Buffer.concat([Buffer.alloc(fieldBytes - magnitude.length), magnitude]));
    off += 2 + l;
  }
  if (off !== d.length) throw bad();
  return Buffer.concat(ints);
}
