import { ModelsealError } from '../errors';

/**
 * The one split of an artifact's work between machines (digest --part, sign
 * --from-manifest, verify --part). Units are the resources in manifest order (files, or
 * the shards of each file, as model_signing orders them); part k gets one contiguous run
 * of them, balanced by bytes. It depends only on the names, sizes and serialization, so
 * every worker computes the same split from its own walk, and the parts joined in index
 * order are exactly the single-machine resource list.
 */

export interface Part {
  /** 0-based, as Kubernetes' JOB_COMPLETION_INDEX and `sbatch --array=0-N` count. */
  index: number;
  count: number;
}

/** Most parts a split may have: beyond this a part is too small to be worth a machine. */
export const MAX_PARTS = 100_000;
/** Each unit weighs its bytes plus this, so thousands of tiny files still spread (an open costs about as much as reading 64 KiB). */
export const UNIT_OVERHEAD_BYTES = 64 * 1024;

/** Parses `i/n` (0 <= i < n <= MAX_PARTS). */
export function parsePart(text: string): Part {
  const m = /^(0|[1-9][0-9]{0,5})\/([1-9][0-9]{0,5})$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || index >= count || count > MAX_PARTS) {
    throw new ModelsealError('USAGE_ERROR', `--part must be INDEX/COUNT with 0 <= INDEX < COUNT <= ${MAX_PARTS} (0-based, e.g. 0/4 ... 3/4), got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return { index, count };
}

export function checkPart(part: Part): Part {
  if (!Number.isSafeInteger(part.index) || !Number.isSafeInteger(part.count) || part.count < 1 || part.count > MAX_PARTS || part.index < 0 || part.index >= part.count) {
    throw new ModelsealError('USAGE_ERROR', `part ${part.index}/${part.count} is not INDEX/COUNT with 0 <= INDEX < COUNT <= ${MAX_PARTS}`);
  }
  return part;
}

/**
 * The part each unit belongs to, given the units' byte sizes in manifest order: unit u
 * goes to floor(count × (bytes before u + half of u) / total), so the parts are
 * contiguous, in order, and each holds about total/count bytes (within one unit).
 */
export function partOfUnits(sizes: ArrayLike<number>, count: number): Uint32Array {
  let total = 0;
  for (let u = 0; u < sizes.length; u++) total += sizes[u] + UNIT_OVERHEAD_BYTES;
  const parts = new Uint32Array(sizes.length);
  let before = 0;
  for (let u = 0; u < sizes.length; u++) {
    const w = sizes[u] + UNIT_OVERHEAD_BYTES;
    parts[u] = Math.min(count - 1, Math.floor((count * (before + w / 2)) / total));
    before += w;
  }
  return parts;
}

/** The run of units [from, to) of one part (empty when the part got none). */
export function partSlice(sizes: ArrayLike<number>, part: Part): { from: number; to: number } {
  checkPart(part);
  const parts = partOfUnits(sizes, part.count);
  let from = 0;
  while (from < parts.length && parts[from] < part.index) from++;
  let to = from;
  while (to < parts.length && parts[to] === part.index) to++;
  return { from, to };
}
