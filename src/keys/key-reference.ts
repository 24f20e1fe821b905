import { ModelsealError } from '../errors';
import { EXEC_PREFIX, openExecSigner } from './exec-signer';
import type { PublicKeyInfo } from './key-types';
import { loadPrivateKey, loadPublicKey } from './load';
import { isPkcs11Uri } from './pkcs11-uri';
import type { SigningKey } from './signing-key';

/**
 * THE key-reference resolver: every command that takes `--key` (sign, attest, release
 * create/sign, lock, verify) hands the value here. A reference is
 *   pkcs11:…     an RFC 7512 URI naming a key on a PKCS#11 token
 *   exec:CMD     an external signer speaking the exec protocol (KMS adapters)
 *   anything else a PEM file path (write ./exec:x for a file with such a name)
 */
export type KeyReferenceKind = 'file' | 'pkcs11' | 'exec';

export function keyReferenceKind(reference: string): KeyReferenceKind {
  if (isPkcs11Uri(reference)) return 'pkcs11';
  if (reference.startsWith(EXEC_PREFIX)) return 'exec';
  return 'file';
}

export interface SigningKeyOptions {
  /** Passphrase of an encrypted PEM key file (file references only). */
  passphrase?: string;
  /** Time limit of one external-signer request, in seconds. */
  execTimeoutSeconds?: number;
}

/** The signing key a --key value names. */
export function resolveSigningKey(reference: string, options: SigningKeyOptions = {}): SigningKey {
  const kind = keyReferenceKind(reference);
  if (kind !== 'file' && options.passphrase !== undefined) {
    throw new ModelsealError('USAGE_ERROR', `a passphrase applies to PEM key files only, not to ${kind}: keys`);
  }
  if (kind !== 'exec' && options.execTimeoutSeconds !== undefined) {
    throw new ModelsealError('USAGE_ERROR', 'a signer time limit applies to exec: keys only');
  }
  if (kind === 'pkcs11') {
    // Loaded only for token keys: the native binding is optional.
    const { openPkcs11Signer } = require('./pkcs11-signer') as typeof import('./pkcs11-signer');
    return openPkcs11Signer(reference);
  }
  if (kind === 'exec') return openExecSigner(reference, { timeoutSeconds: options.execTimeoutSeconds });
  return loadPrivateKey(reference, options.passphrase);
}

/** The public key a --key value names: a PEM file, a token's public key object, or an external signer's public key. */
export function resolvePublicKey(reference: string, options: Pick<SigningKeyOptions, 'execTimeoutSeconds'> = {}): PublicKeyInfo {
  const kind = keyReferenceKind(reference);
  if (kind === 'pkcs11') {
    const { readPkcs11PublicKey } = require('./pkcs11-signer') as typeof import('./pkcs11-signer');
    return readPkcs11PublicKey(reference);
  }
  if (kind === 'exec') return openExecSigner(reference, { timeoutSeconds: options.execTimeoutSeconds }).publicKey;
  return loadPublicKey(reference);
}
