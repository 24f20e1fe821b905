import * as fs from 'node:fs';
import { ModelsealError, fsError, type ErrorCode } from '../errors';

/** Signature bundles are small; anything larger is refused before it is read or parsed. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

/** Reads a whole small file, refusing non-regular files and files over `maxBytes` before reading. */
export function readBoundedFile(
  file: string,
  maxBytes: number,
  codes: { notFound?: ErrorCode; tooLarge?: ErrorCode } = {},
): Buffer {
  const notFound = codes.notFound ?? 'PATH_NOT_FOUND';
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    const e = fsError(err, file);
    if (e.code === 'PATH_NOT_FOUND') throw new ModelsealError(notFound, 'not found', { file });
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ModelsealError('USAGE_ERROR', 'is not a regular file', { file });
    if (st.size > maxBytes) {
      throw new ModelsealError(codes.tooLarge ?? 'USAGE_ERROR', `is ${st.size} bytes, over the ${maxBytes}-byte limit`, { file });
    }
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = fs.readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    fs.closeSync(fd);
  }
}

export function parseJson(text: Buffer | string, file: string | undefined, code: ErrorCode, what: string): unknown {
  try {
    return JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch {
    throw new ModelsealError(code, `${what} is not valid JSON (truncated or corrupt?)`, { file });
  }
}
