/**
 * Payloads with free bytes of their own buffer right before them (a 300 MB payload
 * read from a bundle file): the PAE header is written there and the PAE is a view of
 * header + payload instead of a second 300 MB copy. A header, once handed out, is
 * never overwritten by another payload type's.
 */
const headroomOf = new WeakMap<Uint8Array, { bytes: number; payloadType?: string }>();

/** Declares the `bytes` bytes of `payload.buffer` before `payload` free for its PAE header. */
export function reservePreAuthHeadroom(payload: Uint8Array, bytes: number): void {
  if (bytes > payload.byteOffset) throw new RangeError('the headroom lies outside the payload buffer');
  headroomOf.set(payload, { bytes });
}

function preAuthInPlace(header: Buffer, payloadType: string, payload: Uint8Array): Buffer | undefined {
  const room = headroomOf.get(payload);
  if (!room || header.length > room.bytes) return undefined;
  if (room.payloadType !== undefined && room.payloadType !== payloadType) return undefined;
  room.payloadType = payloadType;
  const start = payload.byteOffset - header.length;
  const pae = Buffer.from(payload.buffer, start, header.length + payload.length);
  header.copy(pae, 0);
  return pae;
}

/** DSSE v1 pre-authentication encoding: the exact bytes that are signed. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const header = preAuthHeader(payloadType, payload.length);
  return preAuthInPlace(header, payloadType, payload) ?? Buffer.concat([header, payload]);
}

/** The PAE bytes before a payload of `payloadLength` bytes. */
export function preAuthHeader(payloadType: string, payloadLength: number): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, 'ascii'), type, Buffer.from(` ${payloadLength} `, 'ascii')]);
}

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseSignature {
  sig: Buffer;
  keyid?: string | null;
}

export interface DsseEnvelope {
  payloadType: string;
  /** The exact payload bytes that were signed; parse these, never a re-serialization. */
  payload: Buffer;
  signatures: DsseSignature[];
}
