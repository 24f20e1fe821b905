import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ED25519_PKCS8_PREFIX, generateEd25519Seed } from './ed25519';
import { publicKeyInfo } from './load';
import type { KeyType, PublicKeyInfo } from './key-types';
import { ModelsealError } from '../errors';
import { quoted } from '../names';

export interface GeneratedKeyPair {
  type: KeyType;
  /** PKCS#8 PEM, encrypted (PBES2, AES-256-CBC) when a passphrase was given. */
  privatePem: string;
  publicKey: PublicKeyInfo;
}

const EC_CURVES: Record<Exclude<KeyType, 'ed25519'>, string> = {
  'ecdsa-p256': 'P-256',
  'ecdsa-p384': 'P-384',
  'ecdsa-p521': 'P-521',
};

function newPrivateKey(type: KeyType): KeyObject {
  if (type === 'ed25519') {
    const der = Buffer.concat([ED25519_PKCS8_PREFIX, generateEd25519Seed()]);
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  }
  const curve = EC_CURVES[type];
  if (!curve) throw new ModelsealError('USAGE_ERROR', `unknown key type ${quoted(type)}`);
  return generateKeyPairSync('ec', { namedCurve: curve }).privateKey;
}

export function generateKeyPair(type: KeyType, passphrase?: string): GeneratedKeyPair {
  if (passphrase !== undefined && passphrase.length === 0) {
    throw new ModelsealError('USAGE_ERROR', 'the passphrase is empty');
  }
  const key = newPrivateKey(type);
  const privatePem = key.export(
    passphrase === undefined
      ? { type: 'pkcs8', format: 'pem' }
      : { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
  ) as string;
  return { type, privatePem, publicKey: publicKeyInfo(createPublicKey(key)) };
}
