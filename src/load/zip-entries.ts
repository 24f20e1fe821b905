import { inflateRawSync } from 'node:zlib';
import { quoted } from '../names';

/**
 * A minimal ZIP reader for model checkpoints (PyTorch's torch.save format is a zip):
 * it reads the central directory (with ZIP64), locates each entry's data through its
 * local header, and extracts stored or deflated entries with a size bound. It never
 * trusts the local header's sizes, and refuses entries whose data leaves the file.
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
const MAX_ENTRIES = 1_000_000;

export function looksLikeZip(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === LOCAL;
}

function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError('a ZIP64 size or offset is too large');
  return Number(v);
}

function findEocd(readAt: ReadAt, size: number): { at: number; rec: Buffer } {
  const tailLen = Math.min(size, 22 + 0xffff);
  const tail = readAt(size - tailLen, tailLen);
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD && i + 22 + tail.readUInt16LE(i + 20) === tail.length) {
      return { at: size - tailLen + i, rec: tail.subarray(i, i + 22) };
    }
  }
  throw new ZipError('no end-of-central-directory record');
}

/** Lists the entries of a zip of `size` bytes read through `readAt`. Throws ZipError when malformed. */
export function readZipEntries(readAt: ReadAt, size: number): ZipEntry[] {
  if (size < 22) throw new ZipError('too short to be a zip');
  const { at: eocdAt, rec } = findEocd(readAt, size);
  let count = rec.readUInt16LE(10);
  let cdSize = rec.readUInt32LE(12);
  let cdOffset = rec.readUInt32LE(16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    if (eocdAt < 20) throw new ZipError('ZIP64 locator missing');
    const loc = readAt(eocdAt - 20, 20);
    if (loc.readUInt32LE(0) !== ZIP64_LOCATOR) throw new ZipError('ZIP64 locator missing');
    const z64At = u64(loc, 8);
    if (z64At + 56 > eocdAt) throw new ZipError('ZIP64 end record out of range');
    const z = readAt(z64At, 56);
    if (z.readUInt32LE(0) !== ZIP64_EOCD) throw new ZipError('ZIP64 end record missing');
    count = u64(z, 32);
    cdSize = u64(z, 40);
    cdOffset = u64(z, 48);
  }
  if (count > MAX_ENTRIES) throw new ZipError(`${count} entries is more than a checkpoint holds`);
  if (cdOffset + cdSize > size) throw new ZipError('central directory out of range');
  const cd = readAt(cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw new ZipError(`central directory entry ${i} is malformed`);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    let compressedSize = cd.readUInt32LE(p + 20);
    let uncompressed = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localOffset = cd.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > cd.length) throw new ZipError(`central directory entry ${i} is truncated`);
    const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
    // ZIP64 extended information: only the fields whose 32-bit value is saturated are present, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const take = () => {
          if (q + 8 > e + 4 + len) throw new ZipError(`ZIP64 field of ${quoted(name)} is truncated`);
          const v = u64(cd, q);
          q += 8;
          return v;
        };
        if (uncompressed === 0xffffffff) uncompressed = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e += 4 + len;
    }
    if (localOffset + 30 > size) throw new ZipError(`local header of ${quoted(name)} out of range`);
    const local = readAt(localOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL) throw new ZipError(`local header of ${quoted(name)} is missing`);
    const dataOffset = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (dataOffset + compressedSize > size) throw new ZipError(`data of ${quoted(name)} runs past the end of the file`);
    entries.push({ name, method, encrypted: (flags & 1) === 1, compressedSize, size: uncompressed, dataOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Extracts a stored or deflated entry, at most `maxBytes`; null when it cannot be extracted here. */
export function extractZipEntry(readAt: ReadAt, entry: ZipEntry, maxBytes: number): Buffer | null {
  if (entry.encrypted || entry.size > maxBytes) return null;
  const raw = readAt(entry.dataOffset, entry.compressedSize);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw new ZipError(`stored entry ${quoted(entry.name)} has differing sizes`);
    return raw;
  }
  if (entry.method === 8) {
    try {
      const out = inflateRawSync(raw, { maxOutputLength: Math.max(entry.size, 1) });
      if (out.length !== entry.size) throw new ZipError(`entry ${quoted(entry.name)} inflates to ${out.length} bytes, not ${entry.size}`);
      return out;
    } catch (err) {
      if (err instanceof ZipError) throw err;
      throw new ZipError(`entry ${quoted(entry.name)} does not inflate: ${(err as Error).message}`);
    }
  }
  return null;
}

/** Entries that torch.load (or any pickle loader) unpickles: data.pkl, constants.pkl, any *.pkl. */
export function isPickleEntry(name: string): boolean {
  return /\.pkl$/i.test(name);
}
