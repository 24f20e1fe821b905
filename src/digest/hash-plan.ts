import type { ByteRange } from './hash-file';
import type { HashJob } from './hash-job';
import { unpackJobs, type PackedJobs } from './hash-messages';

/**
 * A batch goes to one thread in one message; small files travel together. The jobs of
 * a batch are made when it is sent (`HashPlan.jobsOf`): a million-file dataset never
 * holds a million job objects, only three integers per job (issue 16).
 */
export interface HashBatch {
  bytes: number;
  /** Job descriptors: [fileIndex, firstRange, rangeCount] per job. */
  packed: Uint32Array;
}

export interface HashPlan {
  batches: HashBatch[];
  /** The jobs of batch `i`, as plain data for a worker message. */
  jobsOf(i: number): HashJob[];
  /** The same jobs packed for a worker message. */
  packedJobsOf(i: number): PackedJobs;
  /** Jobs per file: a file is done (for progress) when all of its jobs are. */
  jobsPerFile: Uint32Array;
  /** Ranges per file, for placing results. */
  rangesPerFile: Uint32Array;
  jobCount: number;
  totalBytes: number;
}

/** Small jobs are grouped until a batch holds this many bytes or jobs. */
export const BATCH_BYTES = 8 * 1024 * 1024;
export const BATCH_JOBS = 256;

/**
 * Cuts the work into jobs and batches. A file is one job (files method, or one
 * shard); a file with several shards gives one job per shard so that shards run
 * on different threads. Large jobs are batches of their own, largest first
 * (longest-first keeps the threads evenly loaded); small ones are grouped in
 * walk order (neighbouring files tend to be neighbours on disk). `rangesOf` overrides
 * the ranges of each file (a part of the work, see partition.ts).
 */
export function planHashing(
  files: ReadonlyArray<{ file: string; size: number }>,
  shardSize: number | undefined,
  rangesOf?: (fileIndex: number) => ByteRange[],
): HashPlan {
  // Range k of file i, computed (not listed: a file may have a million shards).
  const rangeCount = (i: number): number => (rangesOf ? rangesOf(i).length : shardSize === undefined ? 1 : Math.ceil(files[i].size / shardSize));
  const rangeAt = (i: number, k: number): ByteRange => {
    if (rangesOf) return rangesOf(i)[k];
    if (shardSize === undefined) return { start: 0, end: files[i].size };
    const start = k * shardSize;
    return { start, end: Math.min(start + shardSize, files[i].size) };
  };
  const large: HashBatch[] = [];
  const small: HashBatch[] = [];
  const jobsPerFile = new Uint32Array(files.length);
  const rangesPerFile = new Uint32Array(files.length);
  let current: number[] = [];
  let currentBytes = 0;
  let jobCount = 0;
  let totalBytes = 0;
  const flush = () => {
    small.push({ bytes: currentBytes, packed: Uint32Array.from(current) });
    current = [];
    currentBytes = 0;
  };
  const add = (fileIndex: number, firstRange: number, n: number) => {
    let bytes = 0;
    for (let k = firstRange; k < firstRange + n; k++) {
      const r = rangeAt(fileIndex, k);
      bytes += r.end - r.start;
    }
    jobCount++;
    totalBytes += bytes;
    if (bytes >= BATCH_BYTES) {
      large.push({ bytes, packed: Uint32Array.of(fileIndex, firstRange, n) });
      return;
    }
    current.push(fileIndex, firstRange, n);
    currentBytes += bytes;
    if (currentBytes >= BATCH_BYTES || current.length >= BATCH_JOBS * 3) flush();
  };
  for (let fileIndex = 0; fileIndex < files.length; fileIndex++) {
    const n = rangeCount(fileIndex);
    rangesPerFile[fileIndex] = n;
    if (n <= 1) {
      // Zero ranges (an empty file cut in shards) still opens the file: its checks must run.
      jobsPerFile[fileIndex] = 1;
      add(fileIndex, 0, n);
    } else {
      jobsPerFile[fileIndex] = n;
      for (let k = 0; k < n; k++) add(fileIndex, k, 1);
    }
  }
  if (current.length > 0) flush();
  large.sort((a, b) => b.bytes - a.bytes);
  const batches = [...large, ...small];
  // Packed as the worker message carries them: no object per job on this thread (hash-messages.ts).
  const packedJobsOf = (i: number): PackedJobs => {
    const p = batches[i].packed;
    const numbers: number[] = [];
    const paths: string[] = [];
    for (let j = 0; j < p.length; j += 3) {
      const [fileIndex, firstRange, n] = [p[j], p[j + 1], p[j + 2]];
      numbers.push(fileIndex, firstRange, files[fileIndex].size, jobsPerFile[fileIndex] > 1 ? 1 : 0, n);
      for (let k = firstRange; k < firstRange + n; k++) {
        const r = rangeAt(fileIndex, k);
        numbers.push(r.start, r.end);
      }
      paths.push(files[fileIndex].file);
    }
    return { paths: paths.join('\0'), numbers: Float64Array.from(numbers) };
  };
  const jobsOf = (i: number): HashJob[] => unpackJobs(packedJobsOf(i));
  return { batches, jobsOf, packedJobsOf, jobsPerFile, rangesPerFile, jobCount, totalBytes };
}
