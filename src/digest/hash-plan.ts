import { shardRanges, type ByteRange } from './hash-file';
import type { HashJob } from './hash-job';

/** A batch goes to one thread in one message; small files travel together. */
export interface HashBatch {
  jobs: HashJob[];
  bytes: number;
}

export interface HashPlan {
  batches: HashBatch[];
  /** Jobs per file: a file is done (for progress) when all of its jobs are. */
  jobsPerFile: number[];
  /** Ranges per file, for placing results. */
  rangesPerFile: number[];
  jobCount: number;
  totalBytes: number;
}

/** Small jobs are grouped until a batch holds this many bytes or jobs. */
export const BATCH_BYTES = 8 * 1024 * 1024;
export const BATCH_JOBS = 256;

function rangeBytes(ranges: ByteRange[]): number {
  return ranges.reduce((n, r) => n + r.end - r.start, 0);
}

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
  const large: HashBatch[] = [];
  const small: HashBatch[] = [];
  const jobsPerFile: number[] = [];
  const rangesPerFile: number[] = [];
  let current: HashBatch = { jobs: [], bytes: 0 };
  let jobCount = 0;
  let totalBytes = 0;
  const add = (job: HashJob) => {
    const bytes = rangeBytes(job.ranges);
    jobCount++;
    totalBytes += bytes;
    if (bytes >= BATCH_BYTES) {
      large.push({ jobs: [job], bytes });
      return;
    }
    current.jobs.push(job);
    current.bytes += bytes;
    if (current.bytes >= BATCH_BYTES || current.jobs.length >= BATCH_JOBS) {
      small.push(current);
      current = { jobs: [], bytes: 0 };
    }
  };
  files.forEach((f, fileIndex) => {
    const ranges = rangesOf ? rangesOf(fileIndex) : shardSize === undefined ? [{ start: 0, end: f.size }] : shardRanges(f.size, shardSize);
    rangesPerFile.push(ranges.length);
    if (ranges.length <= 1) {
      // Zero ranges (an empty file cut in shards) still opens the file: its checks must run.
      jobsPerFile.push(1);
      add({ fileIndex, firstRange: 0, file: f.file, size: f.size, ranges });
    } else {
      jobsPerFile.push(ranges.length);
      ranges.forEach((r, i) => add({ fileIndex, firstRange: i, file: f.file, size: f.size, ranges: [r] }));
    }
  });
  if (current.jobs.length > 0) small.push(current);
  large.sort((a, b) => b.bytes - a.bytes);
  return { batches: [...large, ...small], jobsPerFile, rangesPerFile, jobCount, totalBytes };
}
