import type { Decoder, Encoder, Tag as CborTag } from 'cbor-x';
import { checkStrictCbor, type StrictCborOptions } from './cbor-strict';

/**
 * cbor-x configured for COSE: maps as Map (integer labels survive), no record or
 * structure extensions, byte strings as plain bstr, map lengths in their shortest form.
 * Loaded on first use: commands that never see COSE (most) do not pay for it at start-up.
 */
let codec: { encoder: Encoder; decoder: Decoder; Tag: typeof CborTag } | undefined;
function cbor(): NonNullable<typeof codec> {
  if (!codec) {
    const x = require('cbor-x') as typeof import('cbor-x');
    codec = {
      encoder: new x.Encoder({ useRecords: false, mapsAsObjects: false, variableMapSize: true, tagUint8Array: false, pack: false }),
      decoder: new x.Decoder({ useRecords: false, mapsAsObjects: false }),
      Tag: x.Tag,
    };
  }
  return codec;
}

/** A CBOR tag (cbor-x's class). */
export function newTag(value: unknown, tag: number): CborTag {
  return new (cbor().Tag)(value, tag);
}

export function isTag(v: unknown): v is CborTag {
  return v instanceof cbor().Tag;
}

/**
 * Encodes a value whose maps the caller built in canonical key order, and proves the
 * result is deterministic CBOR (RFC 8949 §4.2) before anyone signs or writes it.
 */
export function encodeCanonical(value: unknown, options: StrictCborOptions = {}): Buffer {
  const bytes = Buffer.from(cbor().encoder.encode(value));
  checkStrictCbor(bytes, { ...options, canonical: true });
  return bytes;
}

/** Decodes bytes that checkStrictCbor has already accepted. */
export function decodeChecked(bytes: Uint8Array): unknown {
  return cbor().decoder.decode(bytes);
}
