import { ModelsealError } from '../../errors';
import { CborFormatError, checkStrictCbor } from './cbor-strict';
import { decodeChecked, encodeCanonical, isTag } from './cbor';
import { CLAIM, COSE_SIGN1_TAG, HEADER } from './headers';

/** The SCITT signed-statement claims we write and read (CWT claims header, RFC 9597). */
export interface CoseClaims {
  issuer: string;
  subject: string;
}

export interface CoseProtectedHeader {
  alg: number;
  contentType: string;
  kid: Buffer;
  claims: CoseClaims;
}

/** A parsed COSE_Sign1 message. Structure only: nothing is trusted yet. */
export interface CoseSign1 {
  /** The protected header exactly as serialized: these bytes are signed. */
  protectedBytes: Buffer;
  /** The decoded protected header (labels to values). */
  protected: Map<number | string, unknown>;
  unprotected: Map<number | string, unknown>;
  payload: Buffer;
  signature: Buffer;
}

/** Serializes the protected header in canonical order: alg(1), content type(3), kid(4), CWT claims(15). */
export function encodeProtectedHeader(h: CoseProtectedHeader): Buffer {
  const claims = new Map<number, unknown>([
    [CLAIM.iss, h.claims.issuer],
    [CLAIM.sub, h.claims.subject],
  ]);
  return encodeCanonical(
    new Map<number, unknown>([
      [HEADER.alg, h.alg],
      [HEADER.contentType, h.contentType],
      [HEADER.kid, h.kid],
      [HEADER.cwtClaims, claims],
    ]),
  );
}

/**
 * The head of a CBOR byte string of `n` bytes (major type 2), in its shortest form. The
 * two structures around a payload are written by hand, not by cbor-x: the encoder would copy
 * the payload (a dataset's statement is hundreds of MB) into each of them, and the fixed
 * shape below is canonical CBOR by construction (test/cose-sign-verify.test.ts compares
 * it with cbor-x's canonical encoding).
 */
function bstrHead(n: number): Buffer {
  if (n < 24) return Buffer.of(0x40 | n);
  if (n < 0x100) return Buffer.of(0x58, n);
  const wide = n < 0x10000 ? 2 : n < 0x100000000 ? 4 : 8;
  const b = Buffer.alloc(1 + wide);
  b[0] = wide === 2 ? 0x59 : wide === 4 ? 0x5a : 0x5b;
  if (wide === 8) b.writeBigUInt64BE(BigInt(n), 1);
  else b.writeUIntBE(n, 1, wide);
  return b;
}

const bstr = (b: Buffer): Buffer => Buffer.concat([bstrHead(b.length), b]);
/** array(4), text(10) "Signature1". */
const SIG_STRUCTURE_START = Buffer.from([0x84, 0x6a, ...Buffer.from('Signature1')]);
/** tag(18), array(4). */
const COSE_SIGN1_START = Buffer.of(0xc0 | COSE_SIGN1_TAG, 0x84);

/**
 * Sig_structure for COSE_Sign1 (RFC 9052 §4.4) with empty external_aad, the bytes that
 * are signed, as [everything before the payload, the payload]: signers and verifiers that
 * can hash in parts never join them.
 */
export function sigStructureParts(protectedBytes: Buffer, payload: Buffer): [Buffer, Buffer] {
  return [Buffer.concat([SIG_STRUCTURE_START, bstr(protectedBytes), bstrHead(0), bstrHead(payload.length)]), payload];
}

export function sigStructure(protectedBytes: Buffer, payload: Buffer): Buffer {
  return Buffer.concat(sigStructureParts(protectedBytes, payload));
}

/** The tagged COSE_Sign1 message [protected, unprotected = {}, payload, signature], in three parts (the payload as given). */
export function coseSign1Parts(protectedBytes: Buffer, payload: Buffer, signature: Buffer): [Buffer, Buffer, Buffer] {
  return [Buffer.concat([COSE_SIGN1_START, bstr(protectedBytes), Buffer.of(0xa0), bstrHead(payload.length)]), payload, bstr(signature)];
}

export function encodeCoseSign1(protectedBytes: Buffer, payload: Buffer, signature: Buffer): Buffer {
  return Buffer.concat(coseSign1Parts(protectedBytes, payload, signature));
}

function invalid(file: string | undefined, message: string): ModelsealError {
  return new ModelsealError('BUNDLE_INVALID', `COSE_Sign1: ${message}`, { file });
}

function check(bytes: Buffer, what: string, file: string | undefined, topLevelTag: boolean): number | undefined {
  try {
    return checkStrictCbor(bytes, { topLevelTag }).tag;
  } catch (err) {
    if (err instanceof CborFormatError) throw invalid(file, `${what} is not strict CBOR: ${err.message}`);
    throw err;
  }
}

function decode(bytes: Buffer, what: string, file: string | undefined): unknown {
  try {
    return decodeChecked(bytes);
  } catch (err) {
    throw invalid(file, `${what} could not be decoded: ${(err as Error).message}`);
  }
}

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/**
 * Parses a tagged COSE_Sign1 message after a strict CBOR check of the message and of
 * its protected header. Refuses detached payloads and anything but tag 18.
 */
export function parseCoseSign1(bytes: Buffer, file?: string): CoseSign1 {
  if (bytes.length === 0) throw invalid(file, 'the file is empty');
  // The tag number comes from the strict check, before cbor-x, which turns some tags into values.
  const tag = check(bytes, 'the message', file, true);
  if (tag === undefined) throw invalid(file, `the message is not tagged; expected a tagged COSE_Sign1 (tag ${COSE_SIGN1_TAG})`);
  if (tag !== COSE_SIGN1_TAG) {
    throw invalid(file, `the message has tag ${tag}${tag === 98 ? ' (COSE_Sign, several signers)' : ''}; expected COSE_Sign1 (tag ${COSE_SIGN1_TAG})`);
  }
  const top = decode(bytes, 'the message', file);
  if (!isTag(top)) throw invalid(file, 'the message did not decode as a tagged item');
  const parts = top.value;
  if (!Array.isArray(parts) || parts.length !== 4) throw invalid(file, 'the message is not an array of 4 items [protected, unprotected, payload, signature]');
  const [protectedBytes, unprotected, payload, signature] = parts as unknown[];
  if (!isBytes(protectedBytes) || protectedBytes.length === 0) throw invalid(file, 'the protected header is missing or not a byte string');
  if (!(unprotected instanceof Map)) throw invalid(file, 'the unprotected header is not a map');
  if (payload === null || payload === undefined) throw invalid(file, 'the payload is detached; modelseal needs the statement inside the message');
  if (!isBytes(payload) || payload.length === 0) throw invalid(file, 'the payload is not a non-empty byte string');
  if (!isBytes(signature) || signature.length === 0) throw invalid(file, 'the signature is not a non-empty byte string');
  check(Buffer.from(protectedBytes), 'the protected header', file, false);
  const protectedHeader = decode(Buffer.from(protectedBytes), 'the protected header', file);
  if (!(protectedHeader instanceof Map)) throw invalid(file, 'the protected header is not a map');
  return {
    protectedBytes: Buffer.from(protectedBytes),
    protected: protectedHeader as Map<number | string, unknown>,
    unprotected: unprotected as Map<number | string, unknown>,
    // A view, not a copy: the message's bytes are not changed after this.
    payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
    signature: Buffer.from(signature),
  };
}
