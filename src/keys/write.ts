import { writeFileAtomic } from '../util/atomic-write';
import { generateKeyPair } from './generate';
import type { KeyType } from './key-types';
import * as fs from 'node:fs';
import { ModelsealError } from '../errors';

export interface WrittenKeyPair {
  type: KeyType;
  privateKeyPath: string;
  publicKeyPath: string;
  hint: string;
}

/** Generates a key pair and writes PREFIX.key (0600) and PREFIX.pub, refusing to overwrite without force. */
export function writeKeyPair(prefix: string, type: KeyType, options: { passphrase?: string; force?: boolean } = {}): WrittenKeyPair {
  const privateKeyPath = `${prefix}.key`;
  const publicKeyPath = `${prefix}.pub`;
  if (!options.force) {
    for (const f of [privateKeyPath, publicKeyPath]) {
      if (fs.existsSync(f)) throw new ModelsealError('OUTPUT_EXISTS', 'already exists; pass --force to replace it', { file: f });
    }
  }
  const pair = generateKeyPair(type, options.passphrase);
  writeFileAtomic(privateKeyPath, pair.privatePem, { force: options.force, mode: 0o600 });
  writeFileAtomic(publicKeyPath, pair.publicKey.pem, { force: options.force, mode: 0o644 });
  return { type, privateKeyPath, publicKeyPath, hint: pair.publicKey.hint };
}
