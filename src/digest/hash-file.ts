import * as fs from 'node:fs';
import { ModelsealError, fsError } from '../errors';
import { createHasher, type HashAlgorithm } from './algorithms';

/** Reads are done in L2-sized chunks into one reused buffer: bounded memory, no copies. */
const CHUNK = 256 * 1024;

export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Opens a file for hashing without following a symlink planted after the walk,
 * and without blocking on a FIFO swapped in after the walk.
 */
export function openRegular(file: string, followLinks: boolean): { fd: number; st: fs.Stats } {
  const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (followLinks ? 0 : fs.constants.O_NOFOLLOW);
  let fd: number;
  try {
    fd = fs.openSync(file, flags);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new ModelsealError('SYMLINK_REFUSED', 'became a symbolic link while being hashed', { file });
    }
    throw fsError(err, file);
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw new ModelsealError('SPECIAL_FILE', 'is not a regular file', { file });
  }
  return { fd, st };
}

export function fileChanged(file: string): ModelsealError {
  return new ModelsealError('FILE_CHANGED', 'changed while it was being hashed; retry when nothing writes to it', { file });
}

/**
 * True when the file is not as it was when opened: another size, mtime or ctime on
 * the open descriptor (a same-size rewrite whose mtime was put back still moves the
 * ctime), or the path now names another file (dev/inode: replaced by a rename).
 */
export function changedSince(st: fs.Stats, fd: number, file: string): boolean {
  const after = fs.fstatSync(fd);
  if (after.size !== st.size || after.mtimeMs !== st.mtimeMs || after.ctimeMs !== st.ctimeMs) return true;
  try {
    const now = fs.statSync(file);
    return now.ino !== st.ino || now.dev !== st.dev;
  } catch {
    return true;
  }
}

/**
 * Hashes byte ranges of one file (the whole file is a single range `[0, size)`).
 * The file's size and mtime are checked before and after: a file that grows,
 * shrinks or is rewritten during hashing is refused rather than signed half-old.
 */
export function hashRanges(
  file: string,
  algorithm: HashAlgorithm,
  ranges: ((size: number) => ByteRange[]) | 'whole',
  options: { followLinks?: boolean; buffer?: Buffer; onBytes?: (n: number) => void } = {},
): { size: number; digests: Array<ByteRange & { digest: Buffer }> } {
  const { fd, st } = openRegular(file, options.followLinks ?? false);
  const buffer = options.buffer ?? Buffer.allocUnsafe(CHUNK);
  try {
    const list = ranges === 'whole' ? [{ start: 0, end: st.size }] : ranges(st.size);
    const digests: Array<ByteRange & { digest: Buffer }> = [];
    for (const { start, end } of list) {
      const hash = createHasher(algorithm);
      let pos = start;
      while (pos < end) {
        const want = Math.min(buffer.length, end - pos);
        let n: number;
        try {
          n = fs.readSync(fd, buffer, 0, want, pos);
        } catch (err) {
          throw fsError(err, file);
        }
        if (n === 0) throw fileChanged(file);
        hash.update(buffer.subarray(0, n));
        pos += n;
        options.onBytes?.(n);
      }
      digests.push({ start, end, digest: hash.digest() });
    }
    // One more read past the end detects growth that fstat's granularity could miss.
    if (changedSince(st, fd, file) || fs.readSync(fd, buffer, 0, 1, st.size) !== 0) {
      throw fileChanged(file);
    }
    return { size: st.size, digests };
  } finally {
    fs.closeSync(fd);
  }
}

/** Shard boundaries as model_signing cuts them; an empty file has no shards. */
export function shardRanges(size: number, shardSize: number): ByteRange[] {
  const out: ByteRange[] = [];
  for (let start = 0; start < size; start += shardSize) {
    out.push({ start, end: Math.min(start + shardSize, size) });
  }
  return out;
}
