import * as fs from 'node:fs';
import { fsError } from '../errors';
import { createHasher, hashOnce, type HashAlgorithm } from './algorithms';
import { changedSince, fileChanged, openRegular, type ByteRange } from './hash-file';

/**
 * The unit of work of the parallel engine: some byte ranges of one file, hashed
 * by one thread. A file's shards may be spread over several jobs (and threads).
 * Jobs cross the worker boundary, so they hold plain data only.
 */
export interface HashJob {
  /** Index of the file in the walked tree; results are put back in place by it. */
  fileIndex: number;
  /** Index of this job's first range among all the ranges of the file. */
  firstRange: number;
  file: string;
  /** The size the walk saw; another size when the file is opened means it changed. */
  size: number;
  ranges: ByteRange[];
  /** The file's other ranges are other jobs: the result says which file (identity) was read. */
  shared?: true;
}

export interface JobResult {
  fileIndex: number;
  firstRange: number;
  /** dev, inode, size and mtime seen while hashing: every job of one file must see the same. */
  /** Only for shared jobs: device, inode, size and times of the file read (a string per file would cost a million of them). */
  identity?: string;
  /** Hex digests, one per range. */
  digests: string[];
}

/** Bytes per read ahead: large enough that the hand-over between threads does not dominate. */
export const READ_CHUNK = 1024 * 1024;
/** Reads in flight per range: the next chunks are read (on libuv's threads) while this one is hashed. */
export const READ_DEPTH = 3;
/**
 * Bytes per synchronous read: the kernel copies them into a buffer that stays in this
 * core's cache until it is hashed. Measured on 2 GiB from the page cache (2-core VM): 0.3 s
 * of system time at 128 KiB, 1.2 s at 256 KiB and above.
 */
const SYNC_CHUNK = 128 * 1024;
/** Ranges at most this long are read synchronously: a pipeline costs more than it saves on them. */
const SYNC_MAX = 2 * READ_CHUNK;

export class JobCancelled extends Error {
  constructor() {
    super('hashing was cancelled');
  }
}

export interface JobContext {
  algorithm: HashAlgorithm;
  /** READ_DEPTH buffers of READ_CHUNK bytes, reused for every job of this thread. */
  buffers: Buffer[];
  /** Set by the coordinator when another job failed: stop at the next chunk. */
  cancelled: () => boolean;
  onBytes: (n: number) => void;
  /**
   * Whether a spare core can read ahead while this thread hashes. When every core hashes,
   * reads on libuv's threads only move the data between cores: ranges are then read
   * synchronously, which costs less CPU and time (shards of one file, many large files).
   */
  readAhead: boolean;
}

export function allocateBuffers(): Buffer[] {
  return Array.from({ length: READ_DEPTH }, () => Buffer.allocUnsafe(READ_CHUNK));
}

function readAsync(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buffer, 0, length, position, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

/** Fills `buffer[from, length)` synchronously; a premature end of file means the file shrank. */
function readFully(fd: number, file: string, buffer: Buffer, from: number, length: number, position: number): void {
  let got = from;
  while (got < length) {
    let n: number;
    try {
      n = fs.readSync(fd, buffer, got, length - got, position + got);
    } catch (err) {
      throw fsError(err, file);
    }
    if (n === 0) throw fileChanged(file);
    got += n;
  }
}

function hashRangeSync(fd: number, job: HashJob, range: ByteRange, ctx: JobContext): string {
  const hash = createHasher(ctx.algorithm);
  const buffer = ctx.buffers[0].subarray(0, SYNC_CHUNK);
  for (let pos = range.start; pos < range.end; ) {
    const want = Math.min(buffer.length, range.end - pos);
    readFully(fd, job.file, buffer, 0, want, pos);
    hash.update(buffer.subarray(0, want));
    pos += want;
    ctx.onBytes(want);
    if (ctx.cancelled()) throw new JobCancelled();
  }
  return hash.digest('hex');
}

/**
 * Hashes a range with READ_DEPTH reads in flight: while this thread hashes one
 * chunk, libuv's threads read the next ones into the other buffers. Buffers are
 * reused in ring order and hashed in place (no copies). Every read is awaited
 * before returning, even on failure, so no read can land in a buffer (or an fd
 * number) that is reused later.
 */
async function hashRangePipelined(fd: number, job: HashJob, range: ByteRange, ctx: JobContext): Promise<string> {
  const hash = createHasher(ctx.algorithm);
  const inflight: Array<{ buffer: Buffer; length: number; position: number; read: Promise<number> }> = [];
  let issued = range.start;
  let slot = 0;
  const issue = () => {
    const buffer = ctx.buffers[slot];
    slot = (slot + 1) % ctx.buffers.length;
    const length = Math.min(buffer.length, range.end - issued);
    const read = readAsync(fd, buffer, length, issued);
    read.catch(() => undefined); // awaited below; this only silences an early rejection
    inflight.push({ buffer, length, position: issued, read });
    issued += length;
  };
  try {
    while (inflight.length < ctx.buffers.length && issued < range.end) issue();
    while (inflight.length > 0) {
      const head = inflight[0];
      let n: number;
      try {
        n = await head.read;
      } catch (err) {
        throw fsError(err, job.file);
      }
      inflight.shift();
      // A short read (rare on regular files) is completed in place, keeping positions fixed.
      if (n < head.length) readFully(fd, job.file, head.buffer, n, head.length, head.position);
      hash.update(head.buffer.subarray(0, head.length));
      ctx.onBytes(head.length);
      if (ctx.cancelled()) throw new JobCancelled();
      if (issued < range.end) issue();
    }
  } finally {
    if (inflight.length > 0) await Promise.allSettled(inflight.map((r) => r.read));
  }
  return hash.digest('hex');
}

/** Opens a job's file as `hashRanges` does; a size other than the walk's means the file changed. */
function openJob(job: HashJob): { fd: number; st: fs.Stats } {
  const opened = openRegular(job.file, false);
  if (opened.st.size !== job.size) {
    fs.closeSync(opened.fd);
    throw fileChanged(job.file);
  }
  return opened;
}

/** The after-checks of `hashRanges` (same size, mtime, ctime and inode, nothing past the end), then close. */
function finishJob(job: HashJob, ctx: JobContext, fd: number, st: fs.Stats, digests: string[], endSeen: boolean): JobResult {
  try {
    if (changedSince(st, fd, job.file) || (!endSeen && fs.readSync(fd, ctx.buffers[0], 0, 1, st.size) !== 0)) {
      throw fileChanged(job.file);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { fileIndex: job.fileIndex, firstRange: job.firstRange, ...(job.shared ? { identity: `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` } : {}), digests };
}

/**
 * Jobs hashed synchronously: all of them without read-ahead, and those whose ranges are
 * all short (no promise per file for datasets of small files).
 */
export function isSyncJob(job: HashJob, ctx: JobContext): boolean {
  return !ctx.readAhead || job.ranges.every((r) => r.end - r.start <= SYNC_MAX);
}

/**
 * Hashes a job of short ranges synchronously. A whole file smaller than the buffer
 * is read with one call asking for one byte more than its size: getting exactly its
 * size both reads it and proves the end of file (the reference's extra read).
 */
export function runJobSync(job: HashJob, ctx: JobContext): JobResult {
  if (ctx.cancelled()) throw new JobCancelled();
  const { fd, st } = openJob(job);
  let digests: string[];
  let endSeen = false;
  try {
    const buffer = ctx.buffers[0];
    const [only] = job.ranges;
    if (job.ranges.length === 1 && only.start === 0 && only.end === st.size && st.size < buffer.length) {
      let n: number;
      try {
        n = fs.readSync(fd, buffer, 0, st.size + 1, 0);
      } catch (err) {
        throw fsError(err, job.file);
      }
      if (n > st.size) throw fileChanged(job.file);
      if (n < st.size) readFully(fd, job.file, buffer, n, st.size, 0);
      else endSeen = true;
      digests = [hashOnce(ctx.algorithm, buffer.subarray(0, st.size))];
      ctx.onBytes(st.size);
    } else {
      digests = job.ranges.map((range) => {
        if (range.end > st.size) throw fileChanged(job.file);
        return hashRangeSync(fd, job, range, ctx);
      });
    }
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return finishJob(job, ctx, fd, st, digests, endSeen);
}

/**
 * Hashes one job with the checks of `hashRanges`: no symlink is followed, a FIFO
 * swapped in is not waited on, the file must be regular, and its size and mtime
 * must be the same before and after (and its size the one the walk saw).
 */
export async function runJob(job: HashJob, ctx: JobContext): Promise<JobResult> {
  if (isSyncJob(job, ctx)) return runJobSync(job, ctx);
  if (ctx.cancelled()) throw new JobCancelled();
  const { fd, st } = openJob(job);
  const digests: string[] = [];
  try {
    for (const range of job.ranges) {
      if (range.end > st.size) throw fileChanged(job.file);
      const long = range.end - range.start > SYNC_MAX;
      digests.push(long ? await hashRangePipelined(fd, job, range, ctx) : hashRangeSync(fd, job, range, ctx));
    }
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return finishJob(job, ctx, fd, st, digests, false);
}
