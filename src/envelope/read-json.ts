import * as fs from 'node:fs';
import { ModelsealError, fsError, type ErrorCode } from '../errors';
import { maxResources, signatureByteLimit } from './signature-limit';
import { parseStrictJson, type StrictJsonOptions } from './strict-json';

/**
 * Model signature files over this size are refused before they are read or parsed. It
 * grows with the number of resources a signature may list (see signature-limit.ts), so
 * every signature that `sign` writes is accepted; it is read at each use, as sign reads it
 * (a library caller may set MODELSEAL_MAX_RESOURCES after loading modelseal).
 */
export function maxBundleBytes(): number {
  return signatureByteLimit(maxResources());
}

export interface BoundedFileCodes {
  notFound?: ErrorCode;
  tooLarge?: ErrorCode;
  /** Says where the limit comes from, after it in the message. */
  limitHint?: string;
}

/**
 * Opens a file for reading, refusing non-regular files and files over `maxBytes`
 * before anything is read. The caller closes the descriptor.
 */
export function openBoundedFile(file: string, maxBytes: number, codes: BoundedFileCodes = {}): { fd: number; size: number } {
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
    if (!st.isFile()) throw new ModelsealError(st.isDirectory() ? 'USAGE_ERROR' : 'SPECIAL_FILE', st.isDirectory() ? 'is a folder, not a file' : 'is not a regular file (FIFO, socket or device)', { file });
    if (st.size > maxBytes) {
      throw new ModelsealError(codes.tooLarge ?? 'USAGE_ERROR', `is ${st.size} bytes, over the ${maxBytes}-byte limit${codes.limitHint ? ` ${codes.limitHint}` : ''}`, { file });
    }
    return { fd, size: st.size };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** Reads from `position` into `buf[offset..end)` until it is full or the file ends; returns the bytes read. */
export function readFully(fd: number, buf: Buffer, offset: number, end: number, position: number): number {
  let off = offset;
  while (off < end) {
    const n = fs.readSync(fd, buf, off, end - off, position + off - offset);
    if (n === 0) break;
    off += n;
  }
  return off - offset;
}

/** Reads a whole small file, refusing non-regular files and files over `maxBytes` before reading. */
export function readBoundedFile(file: string, maxBytes: number, codes: BoundedFileCodes = {}): Buffer {
  const { fd, size } = openBoundedFile(file, maxBytes, codes);
  try {
    const buf = Buffer.alloc(size);
    return buf.subarray(0, readFully(fd, buf, 0, size, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Parses JSON that comes from someone else (signature files, signed statements) with
 * the strict reader: duplicate keys, invalid UTF-8 and depth bombs are refusals.
 */
export function parseJson(text: Buffer | string, file: string | undefined, code: ErrorCode, what: string, extra: Pick<StrictJsonOptions, 'items' | 'offsetOf'> = {}): unknown {
  return parseStrictJson(text, { file, code, what, ...extra });
}
