/**
 * safetensors header validation: an 8-byte little-endian header length, a JSON object
 * header, then tensor data. Every tensor's offsets must lie in the data area, follow
 * one another without overlap or gap (as the reference implementation requires), and
 * match its dtype and shape; the data area must be exactly covered.
 */
import { quoted } from '../names';

/** The reference implementation's header limit (100 MB). */
export const MAX_SAFETENSORS_HEADER = 100_000_000;

/** Bits per element of each dtype the format defines. */
const DTYPE_BITS: Record<string, number> = {
  BOOL: 8, U8: 8, I8: 8, F8_E5M2: 8, F8_E4M3: 8, F8_E8M0: 8, I16: 16, U16: 16, F16: 16, BF16: 16,
  I32: 32, U32: 32, F32: 32, I64: 64, U64: 64, F64: 64, F4: 4, F6_E2M3: 6, F6_E3M2: 6,
};

export interface SafetensorsInfo {
  headerLength: number;
  tensors: number;
  metadata?: Record<string, string>;
}

export class SafetensorsError extends Error {}

/** Bytes needed before the header can be checked: 8, then 8 + header length. */
export function safetensorsHeaderEnd(head: Buffer): number {
  if (head.length < 8) return 8;
  const n = head.readBigUInt64LE(0);
  return n > BigInt(MAX_SAFETENSORS_HEADER) ? 8 : 8 + Number(n);
}

/** Checks a safetensors header given the file's first bytes and its total size. */
export function checkSafetensorsHeader(head: Buffer, fileSize: number): SafetensorsInfo {
  const fail = (m: string) => new SafetensorsError(`safetensors header: ${m}`);
  if (fileSize < 8 || head.length < 8) throw fail('file is shorter than the 8-byte header length');
  const n = head.readBigUInt64LE(0);
  if (n > BigInt(MAX_SAFETENSORS_HEADER)) throw fail(`header length ${n} is over the ${MAX_SAFETENSORS_HEADER}-byte limit`);
  const len = Number(n);
  if (8 + len > fileSize) throw fail(`header length ${len} runs past the end of the ${fileSize}-byte file`);
  if (head.length < 8 + len) throw fail('header is incomplete');
  const text = head.subarray(8, 8 + len);
  if (len === 0 || text[0] !== 0x7b) throw fail('header does not start with "{"');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(text).replace(/ +$/, ''));
  } catch {
    throw fail('header is not valid UTF-8 JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw fail('header is not a JSON object');
  const dataSize = fileSize - 8 - len;
  const spans: Array<{ name: string; begin: number; end: number }> = [];
  let metadata: Record<string, string> | undefined;
  for (const [name, t] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof t !== 'object' || t === null || Array.isArray(t) || Object.values(t).some((v) => typeof v !== 'string')) {
        throw fail('__metadata__ is not a map of strings');
      }
      metadata = t as Record<string, string>;
      continue;
    }
    const bad = (m: string) => fail(`tensor ${quoted(name)} ${m}`);
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw bad('is not an object');
    const { dtype, shape, data_offsets: offsets, ...rest } = t as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw bad(`has unknown field ${quoted(Object.keys(rest)[0])}`);
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BITS)) throw bad(`has unknown dtype ${quoted(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad('has a malformed shape');
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw bad('has malformed data_offsets');
    }
    const [begin, end] = offsets as number[];
    if (begin > end) throw bad(`has data_offsets [${begin}, ${end}] that run backwards`);
    if (end > dataSize) throw bad(`ends at ${end}, past the ${dataSize}-byte data area`);
    const elements = (shape as number[]).reduce((a, d) => a * BigInt(d), 1n);
    const bits = elements * BigInt(DTYPE_BITS[dtype]);
    if (bits % 8n !== 0n || bits / 8n !== BigInt(end - begin)) {
      throw bad(`holds ${end - begin} bytes but ${dtype}${JSON.stringify(shape)} needs ${bits % 8n === 0n ? bits / 8n : `${bits} bits`}`);
    }
    spans.push({ name, begin, end });
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expect = 0;
  for (const s of spans) {
    if (s.begin < expect) throw fail(`tensor ${quoted(s.name)} overlaps the previous tensor at offset ${s.begin}`);
    if (s.begin > expect) throw fail(`a gap of unreferenced bytes precedes tensor ${quoted(s.name)} at offset ${expect}`);
    expect = s.end;
  }
  if (expect !== dataSize) throw fail(`tensors cover ${expect} of the ${dataSize} data bytes`);
  return { headerLength: len, tensors: spans.length, ...(metadata ? { metadata } : {}) };
}
