import * as Flags from '@oclif/core/flags';
import type { DigestOptions } from '../api/digest';

/** Flags that choose how an artifact is hashed (shared by digest and sign). */
export const digestFlags = {
  method: Flags.string({ description: 'Serialization: one digest per file, or per shard of each file.', options: ['files', 'shards'], default: 'files' }),
  'shard-size': Flags.integer({ description: 'Shard size in bytes for --method shards.', default: 1_000_000_000, min: 1 }),
  hash: Flags.string({ description: 'Per-file hash algorithm.', options: ['sha256', 'blake2b', 'blake3'], default: 'sha256' }),
  'ignore-paths': Flags.string({ description: 'Path to leave out, read from the current folder as model_signing does (else inside the artifact, when only that exists); repeatable.', multiple: true }),
  'allow-symlinks': Flags.boolean({ description: 'Hash symbolic links to files inside the artifact (never outside it).' }),
  'default-ignores': Flags.boolean({ description: 'Ignore .git, .gitattributes, .github and .gitignore at the top level.', default: true, allowNo: true }),
  threads: threadsFlag(),
};

/** Hashing threads (digest, sign, verify). */
export function threadsFlag() {
  return Flags.integer({
    description: 'Hashing threads (default: one per CPU core; 0 hashes on the main thread). The result is the same whatever the count.',
    min: 0,
    max: 64,
    helpGroup: 'PERFORMANCE',
  });
}

/** The hashing options of the flags, with the ignore paths as cliIgnorePaths resolved them (relative to the working folder, as model_signing's CLI). */
export function digestOptionsFrom(flags: {
  method: string;
  'shard-size': number;
  hash: string;
  'allow-symlinks': boolean;
  'default-ignores': boolean;
  threads?: number;
}, ignorePaths: string[]): DigestOptions {
  return {
    method: flags.method as DigestOptions['method'],
    shardSize: flags['shard-size'],
    hashType: flags.hash as DigestOptions['hashType'],
    ignorePaths,
    allowSymlinks: flags['allow-symlinks'],
    noDefaultIgnores: !flags['default-ignores'],
    threads: flags.threads,
  };
}

export const signatureFlag = Flags.string({
  char: 's',
  description: 'Signature file (default: <dir>/model.sig, or <file>.sig beside a single file; model.cose / <file>.cose for COSE).',
});

export const passphraseEnvFlag = Flags.string({ description: 'Name of the environment variable holding the private key passphrase.' });
