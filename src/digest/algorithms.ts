import { createHash, hash } from 'node:crypto';
import { ModelsealError } from '../errors';
import { quoted } from '../names/display';

/** Per-resource hash algorithms, named as OMS records them in `hash_type`. */
export type HashAlgorithm = 'sha256' | 'blake2b' | 'blake3';

export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['sha256', 'blake2b', 'blake3'];

const DIGEST_BYTES: Record<HashAlgorithm, number> = { sha256: 32, blake2b: 64, blake3: 32 };

/** The part of node:crypto's Hash the hashing engine uses; BLAKE3 comes from elsewhere. */
export interface Hasher {
  update(data: Uint8Array): Hasher;
  digest(): Buffer;
  digest(encoding: 'hex'): string;
}

interface Blake3Native {
  Blake3Hasher: new () => { update(input: Uint8Array): unknown; digestBuffer(): Buffer };
}

let blake3Native: Blake3Native | undefined;

/**
 * BLAKE3 from @napi-rs/blake-hash: the Rust reference implementation (SIMD) shipped as
 * prebuilt N-API binaries, so it installs without a toolchain and runs on every Node ABI.
 * Loaded on first use: sha256 users never load a native module.
 */
function loadBlake3(): Blake3Native {
  if (!blake3Native) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      blake3Native = require('@napi-rs/blake-hash') as Blake3Native;
    } catch (err) {
      throw new ModelsealError('UNSUPPORTED_ALGORITHM', `BLAKE3 is not available on this platform (${process.platform}-${process.arch}): the @napi-rs/blake-hash binary did not load (${(err as Error).message.split('\n')[0]})`);
    }
  }
  return blake3Native;
}

class Blake3 implements Hasher {
  private readonly h = new (loadBlake3().Blake3Hasher)();
  update(data: Uint8Array): Hasher {
    this.h.update(data);
    return this;
  }
  digest(): Buffer;
  digest(encoding: 'hex'): string;
  digest(encoding?: 'hex'): Buffer | string {
    const out = this.h.digestBuffer();
    return encoding === 'hex' ? out.toString('hex') : out;
  }
}

export function createHasher(algorithm: HashAlgorithm): Hasher {
  switch (algorithm) {
    case 'sha256':
      return createHash('sha256');
    case 'blake2b':
      return createHash('blake2b512');
    case 'blake3':
      return new Blake3();
  }
}

/**
 * The hex digest of one buffer. For sha256 and blake2b this is node:crypto's one-shot
 * `hash`, which makes no Hash object: each of those holds native memory V8 does not see
 * until it collects the object, and a million small files made a few hundred MB of it.
 */
export function hashOnce(algorithm: HashAlgorithm, data: Uint8Array): string {
  if (algorithm === 'blake3') return createHasher(algorithm).update(data).digest('hex');
  return hash(algorithm === 'sha256' ? 'sha256' : 'blake2b512', data, 'hex');
}

export function digestBytes(algorithm: HashAlgorithm): number {
  return DIGEST_BYTES[algorithm];
}

export function parseHashAlgorithm(name: unknown, file?: string): HashAlgorithm {
  if (typeof name === 'string' && (HASH_ALGORITHMS as readonly string[]).includes(name)) return name as HashAlgorithm;
  throw new ModelsealError('UNSUPPORTED_ALGORITHM', `unsupported hash algorithm ${quoted(name)} (supported: ${HASH_ALGORITHMS.join(', ')})`, { file });
}
