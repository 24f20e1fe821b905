import { inflateRawSync, constants as zc } from 'node:zlib';
import type { ByteSource } from './byte-source';

/**
 * A strict ZIP reader for model checkpoints (torch.save writes a zip; so do .npz and
 * .keras). Written here rather than taken from a library because the point is to
 * refuse every archive that two readers could read differently (Python's zipfile,
 * torch's miniz, numpy, keras): one end record, ZIP64 honoured whenever its locator is
 * present and required to agree with the 32-bit record, the central directory right
 * before the end records (no prepended data), local headers that agree with the
 * directory, no duplicate names, no overlapping entries, and sizes bounded before
 * anything is read.
 */

export type ReadAt = (offset: number, length: number) => Buffer;

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate; anything else cannot be extracted here. */
  method: number;
  encrypted: boolean;
  compressedSize: number;
  size: number;
  /** Offset of the entry's (possibly compressed) data. */
  dataOffset: number;
}

export class ZipError extends Error {}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
export const MAX_ZIP_ENTRIES = 200_000;
export const MAX_CENTRAL_DIRECTORY = 64 * 1024 * 1024;
const EOCD_SIG = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

export function looksLikeZip(head: Buffer): boolean {
  return head.length >= 4 && (head.readUInt32LE(0) === LOCAL || head.readUInt32LE(0) === EOCD);
}

function u64(b: Buffer, at: number, what: string): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError(`${what} is too large`);
  return Number(v);
}

const q = (s: string) => JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}…` : s);

function decodeName(raw: Buffer, flags: number, i: number): string {
  const ascii = raw.every((c) => c >= 0x20 && c < 0x7f);
  if (ascii) return raw.toString('latin1');
  if ((flags & 0x800) === 0) throw new ZipError(`entry ${i} has a non-ASCII name without the UTF-8 flag (readers decode it differently)`);
  try {
    const s = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    if (/[\x00-\x1f\x7f]/.test(s)) throw new Error('control');
    return s;
  } catch {
    throw new ZipError(`entry ${i} has a name that is not valid UTF-8`);
  }
}

interface Z64 {
  size?: number;
  compressedSize?: number;
  offset?: number;
}

/** Parses an extra field: every record complete, at most one ZIP64 record, no Unicode-path override. */
function parseExtra(extra: Buffer, want: { size: boolean; csize: boolean; offset: boolean }, what: string): Z64 {
  let e = 0;
  let z: Z64 | undefined;
  while (e < extra.length) {
    if (e + 4 > extra.length) throw new ZipError(`${what}: extra field is truncated`);
    const id = extra.readUInt16LE(e);
    const len = extra.readUInt16LE(e + 2);
    if (e + 4 + len > extra.length) throw new ZipError(`${what}: extra field is truncated`);
    if (id === 0x7075) throw new ZipError(`${what}: has a Unicode path extra field (readers disagree on the name)`);
    if (id === 0x0001) {
      if (z) throw new ZipError(`${what}: has two ZIP64 extra fields`);
      z = {};
      let p = e + 4;
      const end = e + 4 + len;
      const take = (f: string) => {
        if (p + 8 > end) throw new ZipError(`${what}: ZIP64 extra field is missing the ${f}`);
        const v = u64(extra, p, `${what}: ZIP64 ${f}`);
        p += 8;
        return v;
      };
      if (want.size) z.size = take('size');
      if (want.csize) z.compressedSize = take('compressed size');
      if (want.offset) z.offset = take('offset');
    }
    e += 4 + len;
  }
  return z ?? {};
}

/** Lists the entries of a zip. Throws ZipError for anything two readers could read differently. */
export function readZipEntries(src: ByteSource): ZipEntry[] {
  const size = src.size;
  if (size < 22) throw new ZipError('too short to be a zip');
  const tailLen = Math.min(size, 22 + 0xffff + 20 + 56);
  const tailStart = size - tailLen;
  const tail = src.read(tailStart, tailLen);
  const candidates: number[] = [];
  for (let i = tail.indexOf(EOCD_SIG); i >= 0; i = tail.indexOf(EOCD_SIG, i + 1)) {
    if (i + 22 <= tail.length && tailStart + i >= size - 22 - 0xffff) candidates.push(i);
  }
  if (candidates.length === 0) throw new ZipError('no end-of-central-directory record');
  if (candidates.length > 1) throw new ZipError(`${candidates.length} end-of-central-directory signatures (readers may pick different ones)`);
  const ei = candidates[0];
  const rec = tail.subarray(ei, ei + 22);
  const eocdAt = tailStart + ei;
  if (eocdAt + 22 + rec.readUInt16LE(20) !== size) throw new ZipError('the end record comment does not end at the end of the file');
  const disk = rec.readUInt16LE(4);
  const cdDisk = rec.readUInt16LE(6);
  const diskEntries = rec.readUInt16LE(8);
  let count = rec.readUInt16LE(10);
  let cdSize = rec.readUInt32LE(12);
  let cdOffset = rec.readUInt32LE(16);
  let cdEnd = eocdAt;
  const locAt = eocdAt - 20;
  const hasLocator = locAt >= 0 && src.read(locAt, 4).readUInt32LE(0) === ZIP64_LOCATOR;
  if (hasLocator) {
    const loc = src.read(locAt, 20);
    if (loc.readUInt32LE(4) !== 0 || loc.readUInt32LE(16) !== 1) throw new ZipError('ZIP64 locator names another disk');
    const z64At = u64(loc, 8, 'ZIP64 end record offset');
    // Python's zipfile reads the ZIP64 end record right before the locator; others follow the offset: both must agree.
    if (z64At !== locAt - 56) throw new ZipError('ZIP64 end record is not right before its locator');
    const z = src.read(z64At, 56);
    if (z.readUInt32LE(0) !== ZIP64_EOCD) throw new ZipError('ZIP64 end record missing where its locator points');
    if (u64(z, 4, 'ZIP64 end record size') !== 44) throw new ZipError('ZIP64 end record has extensible data');
    if (z.readUInt32LE(16) !== 0 || z.readUInt32LE(20) !== 0) throw new ZipError('ZIP64 end record names another disk');
    const c64 = u64(z, 32, 'ZIP64 entry count');
    const d64 = u64(z, 24, 'ZIP64 entry count');
    const s64 = u64(z, 40, 'ZIP64 directory size');
    const o64 = u64(z, 48, 'ZIP64 directory offset');
    const agrees = (v32: number, sat: number, v64: number) => v32 === sat || v32 === v64;
    if (!agrees(count, 0xffff, c64) || !agrees(diskEntries, 0xffff, d64) || !agrees(cdSize, 0xffffffff, s64) || !agrees(cdOffset, 0xffffffff, o64)) {
      throw new ZipError('the 32-bit and ZIP64 end records disagree');
    }
    if (d64 !== c64) throw new ZipError('the ZIP64 end record counts entries on another disk');
    count = c64;
    cdSize = s64;
    cdOffset = o64;
    cdEnd = z64At;
  } else {
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new ZipError('saturated end record without a ZIP64 locator');
    if (disk !== 0 || cdDisk !== 0 || diskEntries !== count) throw new ZipError('multi-disk archives are not supported');
  }
  if (count > MAX_ZIP_ENTRIES) throw new ZipError(`${count} entries is more than a model archive holds (limit ${MAX_ZIP_ENTRIES})`);
  if (cdSize > MAX_CENTRAL_DIRECTORY) throw new ZipError(`central directory of ${cdSize} bytes is over the ${MAX_CENTRAL_DIRECTORY}-byte limit`);
  if (cdSize < 46 * count) throw new ZipError('central directory is too small for its entry count');
  // No data before the archive and nothing between the directory and the end records.
  if (cdOffset + cdSize !== cdEnd) throw new ZipError('central directory does not end where the end record begins (prepended or hidden data)');
  const cd = src.read(cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  const spans: Array<{ start: number; end: number; name: string }> = [];
  const names = new Set<string>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw new ZipError(`central directory entry ${i} is malformed`);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    const csize32 = cd.readUInt32LE(p + 20);
    const usize32 = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const diskStart = cd.readUInt16LE(p + 34);
    const off32 = cd.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > cd.length) throw new ZipError(`central directory entry ${i} is truncated`);
    const rawName = cd.subarray(p + 46, p + 46 + nameLen);
    const name = decodeName(rawName, flags, i);
    const what = `entry ${q(name)}`;
    if (names.has(name)) throw new ZipError(`${what} appears twice (readers pick different copies)`);
    names.add(name);
    const z = parseExtra(cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen), { size: usize32 === 0xffffffff, csize: csize32 === 0xffffffff, offset: off32 === 0xffffffff }, what);
    if (diskStart !== 0 && diskStart !== 0xffff) throw new ZipError(`${what} starts on another disk`);
    const compressedSize = z.compressedSize ?? csize32;
    const usize = z.size ?? usize32;
    const localOffset = z.offset ?? off32;
    if (localOffset + 30 > cdOffset) throw new ZipError(`local header of ${what} is out of range`);
    const local = src.read(localOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL) throw new ZipError(`local header of ${what} is missing`);
    const lFlags = local.readUInt16LE(6);
    const lMethod = local.readUInt16LE(8);
    const lCrc = local.readUInt32LE(14);
    const lCsize = local.readUInt32LE(18);
    const lUsize = local.readUInt32LE(22);
    const lNameLen = local.readUInt16LE(26);
    const lExtraLen = local.readUInt16LE(28);
    if (localOffset + 30 + lNameLen + lExtraLen > cdOffset) throw new ZipError(`local header of ${what} is out of range`);
    const lRest = src.read(localOffset + 30, lNameLen + lExtraLen);
    if (!lRest.subarray(0, lNameLen).equals(rawName)) throw new ZipError(`${what}: the local header names another file`);
    if (lMethod !== method) throw new ZipError(`${what}: the local header has another compression method`);
    if ((lFlags & 0x0809) !== (flags & 0x0809)) throw new ZipError(`${what}: the local header has other flags`);
    const lz = parseExtra(lRest.subarray(lNameLen), { size: lUsize === 0xffffffff, csize: lCsize === 0xffffffff, offset: false }, `${what} (local header)`);
    const descriptor = (flags & 0x08) !== 0;
    const lc = lz.compressedSize ?? lCsize;
    const lu = lz.size ?? lUsize;
    if (!(descriptor && lc === 0 && lu === 0 && lCrc === 0)) {
      if (lc !== compressedSize || lu !== usize || lCrc !== crc) throw new ZipError(`${what}: the local header has other sizes or CRC than the directory`);
    }
    const dataOffset = localOffset + 30 + lNameLen + lExtraLen;
    if (dataOffset + compressedSize > cdOffset) throw new ZipError(`data of ${what} runs past the start of the central directory`);
    if (method === 0 && compressedSize !== usize) throw new ZipError(`stored ${what} has differing sizes`);
    spans.push({ start: localOffset, end: dataOffset + compressedSize, name });
    entries.push({ name, method, encrypted: (flags & 1) === 1, compressedSize, size: usize, dataOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  if (p !== cd.length) throw new ZipError('central directory has bytes after its last entry');
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].start < spans[i - 1].end) throw new ZipError(`entries ${q(spans[i - 1].name)} and ${q(spans[i].name)} overlap`);
  }
  return entries;
}

/** Extracts a stored or deflated entry of at most `maxBytes`; null when it cannot be extracted here. */
export function extractZipEntry(src: ByteSource, entry: ZipEntry, maxBytes: number): Buffer | null {
  if (entry.encrypted || entry.size > maxBytes || entry.compressedSize > maxBytes) return null;
  const raw = src.read(entry.dataOffset, entry.compressedSize);
  if (entry.method === 0) return raw;
  if (entry.method === 8) {
    try {
      const out = inflateRawSync(raw, { maxOutputLength: Math.max(entry.size, 1) });
      if (out.length !== entry.size) throw new ZipError(`entry ${q(entry.name)} inflates to ${out.length} bytes, not ${entry.size}`);
      return out;
    } catch (err) {
      if (err instanceof ZipError) throw err;
      throw new ZipError(`entry ${q(entry.name)} does not inflate to its declared size`);
    }
  }
  return null;
}

/** The first `n` bytes of an entry (a header), inflating only as much as needed; null when it cannot be read here. */
export function zipEntryPrefix(src: ByteSource, entry: ZipEntry, n: number): Buffer | null {
  if (entry.encrypted) return null;
  if (entry.method === 0) return src.read(entry.dataOffset, Math.min(n, entry.size));
  if (entry.method !== 8) return null;
  for (let c = 4096; ; c *= 4) {
    const raw = src.read(entry.dataOffset, Math.min(c, entry.compressedSize));
    let out: Buffer;
    try {
      // deflate expands at most ~1032:1, so this bound never cuts a prefix short
      out = inflateRawSync(raw, { finishFlush: zc.Z_SYNC_FLUSH, maxOutputLength: Math.max(n, 1) + raw.length * 1100 });
    } catch {
      if (c >= entry.compressedSize) throw new ZipError(`entry ${q(entry.name)} does not inflate`);
      continue;
    }
    if (out.length >= n || c >= entry.compressedSize) return out.subarray(0, Math.min(n, out.length));
  }
}

/** Entries that torch.load (or any pickle loader) unpickles: data.pkl, constants.pkl, any *.pkl. */
export function isPickleEntry(name: string): boolean {
  return /\.pkl$/i.test(name);
}
