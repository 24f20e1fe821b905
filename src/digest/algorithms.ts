import { createHash, type Hash } from 'node:crypto';
import { ModelsealError } from '../errors';
import { quoted } from '../names';

/** Per-resource hash algorithms, named as OMS records them in `hash_type`. */
export type HashAlgorithm = 'sha256' | 'blake2b';

export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['sha256', 'blake2b'];

const NODE_NAMES: Record<HashAlgorithm, string> = { sha256: 'sha256', blake2b: 'blake2b512' };
const DIGEST_BYTES: Record<HashAlgorithm, number> = { sha256: 32, blake2b: 64 };

export function createHasher(algorithm: HashAlgorithm): Hash {
  return createHash(NODE_NAMES[algorithm]);
}

export function digestBytes(algorithm: HashAlgorithm): number {
  return DIGEST_BYTES[algorithm];
}

export function parseHashAlgorithm(name: unknown, file?: string): HashAlgorithm {
  if (name === 'sha256' || name === 'blake2b') return name;
  throw new ModelsealError('UNSUPPORTED_ALGORITHM', `unsupported hash algorithm ${quoted(name)} (supported: sha256, blake2b)`, { file });
}
