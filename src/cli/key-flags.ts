import * as Flags from '@oclif/core/flags';
import { ModelsealError } from '../api/errors';
import { type PublicKeyInfo, keyReferenceKind, resolvePublicKey, resolveSigningKey, type SigningKey } from '../api/keys';
import { readPassphrase } from './passphrase';

/**
 * The one place commands define and read `--key`: a PEM file, a pkcs11: URI or an
 * exec: external signer, resolved by keys/key-reference. (Aliases such as
 * model_signing's `--pkcs11-uri` belong here too.)
 */

export const KEY_REFERENCE_HELP = 'a PEM file, a PKCS#11 URI (pkcs11:token=…;object=…?module-path=…) or an external signer (exec:COMMAND); see docs/keys.md';

export function signingKeyFlag(options: { description: string; required?: boolean; exclusive?: string[] }) {
  return Flags.string({ char: 'k', description: `${options.description} Either ${KEY_REFERENCE_HELP}.`, required: options.required, exclusive: options.exclusive });
}

export const signerTimeoutFlag = Flags.integer({
  description: 'Seconds one request to an exec: external signer may take (default 60, or $MODELSEAL_EXEC_TIMEOUT).',
  min: 1,
  max: 3600,
});

export interface SigningKeyFlags {
  key?: string;
  'passphrase-env'?: string;
  'signer-timeout'?: number;
}

export function signingKeyFromFlags(flags: SigningKeyFlags): SigningKey {
  if (flags.key === undefined) throw new ModelsealError('USAGE_ERROR', `--key is required: ${KEY_REFERENCE_HELP}`);
  return resolveSigningKey(flags.key, { passphrase: readPassphrase(flags['passphrase-env']), execTimeoutSeconds: flags['signer-timeout'] });
}

/** Trusted public keys from repeated --key values: files stay paths (read where they are checked), token and exec keys are read now. */
export function publicKeyReferences(keys: readonly string[], flags: { 'signer-timeout'?: number } = {}): Array<string | PublicKeyInfo> {
  return keys.map((k) => (keyReferenceKind(k) === 'file' ? k : resolvePublicKey(k, { execTimeoutSeconds: flags['signer-timeout'] })));
}

/** How the key appears in --json: where it lives and its reference without secrets. */
export function keySourceJson(key: SigningKey): { keySource: string; keyReference?: string } {
  return 'signData' in key ? { keySource: key.source, keyReference: key.reference } : { keySource: 'file' };
}
