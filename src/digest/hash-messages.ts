import { ModelsealError, type ErrorCode } from '../errors';
import type { HashAlgorithm } from './algorithms';
import type { HashJob, JobResult } from './hash-job';

/**
 * What the coordinator sends a hashing thread: the jobs of a batch packed (one string of
 * paths, one array of numbers), and what it answers, packed too. A million-file dataset
 * must not make a million objects per direction on the coordinating thread: they became
 * hundreds of MB of old-generation garbage before V8 collected any.
 */
export interface BatchMessage {
  type: 'batch';
  id: number;
  algorithm: HashAlgorithm;
  /** Whether to send `progress` messages while hashing large files. */
  progress: boolean;
  jobs: PackedJobs;
}

export interface PackedJobs {
  /** The jobs' file paths joined by NUL (no path holds one). */
  paths: string;
  /** Per job: fileIndex, firstRange, size, shared (0/1), range count, then start, end per range. */
  numbers: Float64Array;
}

/** Results of a batch: per job fileIndex, firstRange, digest count; the hex digests joined; identities of shared jobs. */
export interface PackedResults {
  numbers: Float64Array;
  digests: string;
  identities: Array<string | null>;
}

export function unpackJobs(packed: PackedJobs): HashJob[] {
  const paths = packed.paths.split('\0');
  const n = packed.numbers;
  const jobs: HashJob[] = [];
  for (let o = 0, k = 0; o < n.length; k++) {
    const [fileIndex, firstRange, size, shared, count] = [n[o], n[o + 1], n[o + 2], n[o + 3], n[o + 4]];
    o += 5;
    const ranges = [];
    for (let r = 0; r < count; r++, o += 2) ranges.push({ start: n[o], end: n[o + 1] });
    jobs.push({ fileIndex, firstRange, file: paths[k], size, ranges, ...(shared ? { shared: true as const } : {}) });
  }
  return jobs;
}

export function packResults(results: JobResult[]): PackedResults {
  const numbers = new Float64Array(results.length * 3);
  results.forEach((r, i) => numbers.set([r.fileIndex, r.firstRange, r.digests.length], i * 3));
  return { numbers, digests: results.map((r) => r.digests.join('')).join(''), identities: results.map((r) => r.identity ?? null) };
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  file?: string;
}

/** What a hashing thread answers: progress while hashing, then one of done, error or cancelled per batch. */
export type WorkerMessage =
  | { type: 'progress'; bytes: number }
  | { type: 'done'; id: number; results: PackedResults; bytes: number }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'cancelled'; id: number };

/** ModelsealErrors cross the thread boundary as plain data and are rebuilt with the same code and file. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof ModelsealError) {
    return { code: err.code, message: err.reason, ...(err.file !== undefined ? { file: err.file } : {}) };
  }
  return { code: 'INTERNAL_ERROR', message: `a hashing thread failed: ${(err as Error)?.message ?? String(err)}` };
}

export function deserializeError(e: SerializedError): ModelsealError {
  return new ModelsealError(e.code, e.message, e.file !== undefined ? { file: e.file } : {});
}
