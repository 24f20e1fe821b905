import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { ModelsealError, fsError } from '../errors';
import { keyHint } from './hint';
import { canonicalPublicKey, keyIdentity } from './identity';
import type { KeyType, PrivateKeyInfo, PublicKeyInfo } from './key-types';

const MAX_KEY_FILE = 1024 * 1024;

const CURVES: Record<string, KeyType> = {
  prime256v1: 'ecdsa-p256',
  secp384r1: 'ecdsa-p384',
  secp521r1: 'ecdsa-p521',
};

/** The modelseal key type of a Node key object, or a clear refusal (RSA, other curves...). */
export function keyTypeOf(key: KeyObject, file?: string): KeyType {
  const kind = key.asymmetricKeyType;
  if (kind === 'ed25519') return 'ed25519';
  if (kind === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const type = CURVES[curve];
    if (type) return type;
    throw new ModelsealError('KEY_UNSUPPORTED', `EC curve ${curve || 'unknown'} is not supported (use P-256, P-384 or P-521)`, { file });
  }
  throw new ModelsealError('KEY_UNSUPPORTED', `${(kind ?? 'unknown').toUpperCase()} keys are not supported (use Ed25519 or ECDSA P-256, P-384 or P-521)`, { file });
}

export function readKeyFile(file: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    throw fsError(err, file);
  }
  if (!st.isFile()) throw new ModelsealError('KEY_INVALID', 'is not a regular file', { file });
  if (st.size > MAX_KEY_FILE) throw new ModelsealError('KEY_INVALID', 'is too large to be a key', { file });
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw fsError(err, file);
  }
}

/** A public key in its canonical form (uncompressed EC point), with its hint and identity. */
export function publicKeyInfo(key: KeyObject, file?: string): PublicKeyInfo {
  const type = keyTypeOf(key, file);
  const canonical = canonicalPublicKey(key);
  const pem = canonical.export({ type: 'spki', format: 'pem' }) as string;
  return { type, key: canonical, pem, hint: keyHint(pem), id: keyIdentity(canonical) };
}

/** Parses a public key from PEM text (SPKI "PUBLIC KEY"; text before the block is allowed). */
export function parsePublicKey(pem: string, file?: string): PublicKeyInfo {
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem)) {
    throw new ModelsealError('KEY_INVALID', 'is a private key; give the public key (.pub)', { file });
  }
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new ModelsealError('KEY_INVALID', 'is not a PEM public key (expected "-----BEGIN PUBLIC KEY-----")', { file });
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new ModelsealError('KEY_INVALID', 'is not a valid PEM public key (truncated or corrupt?)', { file, cause: err });
  }
  return publicKeyInfo(key, file);
}

export function loadPublicKey(file: string): PublicKeyInfo {
  return parsePublicKey(readKeyFile(file), file);
}

/** Parses a PKCS#8 / SEC1 PEM private key, decrypting it with the passphrase if it is encrypted. */
export function parsePrivateKey(pem: string, passphrase?: string, file?: string): PrivateKeyInfo {
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem)) {
    throw new ModelsealError('KEY_INVALID', 'is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----")', { file });
  }
  const encrypted = pem.includes('ENCRYPTED') || /Proc-Type:\s*4,ENCRYPTED/.test(pem);
  if (encrypted && passphrase === undefined) {
    throw new ModelsealError('PASSPHRASE_REQUIRED', 'is encrypted; give its passphrase with --passphrase-env NAME', { file });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem', passphrase: encrypted ? passphrase : undefined });
  } catch (err) {
    if (encrypted) throw new ModelsealError('PASSPHRASE_WRONG', 'could not be decrypted: wrong passphrase?', { file, cause: err });
    throw new ModelsealError('KEY_INVALID', 'is not a valid PEM private key (truncated or corrupt?)', { file, cause: err });
  }
  const type = keyTypeOf(key, file);
  return { type, key, publicKey: publicKeyInfo(createPublicKey(key), file) };
}

export function loadPrivateKey(file: string, passphrase?: string): PrivateKeyInfo {
  return parsePrivateKey(readKeyFile(file), passphrase, file);
}
