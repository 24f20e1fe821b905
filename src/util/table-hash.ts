/**
 * The hash of our open-addressing tables (the names of a million files, packed): FNV-1a
 * started from a random per-process seed and finished with murmur3's fmix32, so that the
 * slot depends on all 32 bits. FNV-1a from its fixed basis is unkeyed: anyone can make
 * millions of names that share a slot, offline, and `verify` of 20,000 such file names took
 * 106 s (quadratic). Names made to collide for one process's seed collide in no other.
 * Node has no keyed string hash (SipHash) to use instead.
 */
import { randomBytes } from 'node:crypto';

export const TABLE_HASH_SEED = randomBytes(4).readUInt32LE(0);

/** FNV-1a's prime, for one step: h = Math.imul(h ^ unit, FNV_PRIME). */
export const FNV_PRIME = 0x01000193;

/** The slot hash of an FNV-1a state. */
export function finishTableHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
