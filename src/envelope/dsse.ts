/** DSSE v1 pre-authentication encoding: the exact bytes that are signed. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'ascii'),
    type,
    Buffer.from(` ${payload.length} `, 'ascii'),
    payload,
  ]);
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
