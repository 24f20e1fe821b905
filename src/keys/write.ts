import { checkOutputPath, writeFileAtomic } from '../util/atomic-write';
import { generateKeyPair } from './generate';
import type { KeyType } from './key-types';

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
  // Both outputs are checked first, so a refused public key never leaves a lone private key behind.
  for (const f of [privateKeyPath, publicKeyPath]) checkOutputPath(f, { force: options.force });
  const pair = generateKeyPair(type, options.passphrase);
  writeFileAtomic(privateKeyPath, pair.privatePem, { force: options.force, mode: 0o600 });
  writeFileAtomic(publicKeyPath, pair.publicKey.pem, { force: options.force, mode: 0o644 });
  return { type, privateKeyPath, publicKeyPath, hint: pair.publicKey.hint };
}
