import { Decoder, Encoder, Tag } from 'cbor-x';
import { checkStrictCbor, type StrictCborOptions } from './cbor-strict';

/**
 * cbor-x configured for COSE: maps as Map (integer labels survive), no record or
 * structure extensions, byte strings as plain bstr, map lengths in their shortest form.
 */
const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, variableMapSize: true, tagUint8Array: false, pack: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

export { Tag };

/**
 * Encodes a value whose maps the caller built in canonical key order, and proves the
 * result is deterministic CBOR (RFC 8949 §4.2) before anyone signs or writes it.
 */
export function encodeCanonical(value: unknown, options: StrictCborOptions = {}): Buffer {
  const bytes = Buffer.from(encoder.encode(value));
  checkStrictCbor(bytes, { ...options, canonical: true });
  return bytes;
}

/** Decodes bytes that checkStrictCbor has already accepted. */
export function decodeChecked(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}
