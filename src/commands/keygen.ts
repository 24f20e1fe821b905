import * as path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { passphraseEnvFlag } from '../cli/flags';
import { readPassphrase } from '../cli/passphrase';
import { ModelsealError } from '../api/errors';
import { KEY_TYPES, type KeyType, generatePkcs11KeyPair, writeKeyPair } from '../api/keys';
import { checkOutputPath, writeFileAtomic } from '../cli/internal';

export default class Keygen extends BaseCommand {
  static override summary = 'Generate a signing key pair: PKCS#8 private key (mode 0600) and SPKI public key, or a key pair on a PKCS#11 token.';
  static override examples = [
    '<%= config.bin %> keygen --out keys/publisher                # ECDSA P-256: verifiable by model_signing too',
    '<%= config.bin %> keygen --type ed25519 --out keys/publisher',
    'MODELSEAL_PASSPHRASE=... <%= config.bin %> keygen --type ecdsa-p256 --out keys/ci --passphrase-env MODELSEAL_PASSPHRASE',
    "<%= config.bin %> keygen --type ecdsa-p256 --pkcs11 'pkcs11:token=release;object=model-key?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/run/secrets/pin' --out keys/release   # writes keys/release.pub only",
  ];
  static override flags = {
    type: Flags.string({ char: 't', description: 'Key type (ECDSA P-256 by default: model_signing 1.1 verifies only ECDSA keys).', options: [...KEY_TYPES], default: 'ecdsa-p256' }),
    out: Flags.string({ char: 'o', description: 'Output prefix: writes PREFIX.key and PREFIX.pub (with --pkcs11: PREFIX.pub only).' }),
    'passphrase-env': passphraseEnvFlag,
    pkcs11: Flags.string({ description: 'Create the key pair on the PKCS#11 token this RFC 7512 URI names (object= is the new label); the private key never leaves it.', exclusive: ['passphrase-env'] }),
    force: Flags.boolean({ description: 'Replace existing key files (never keys on a token).' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Keygen);
    if (flags.pkcs11 !== undefined) return this.onToken(flags.pkcs11, flags.type as KeyType, flags.out, flags.force);
    if (flags.out === undefined) throw new ModelsealError('USAGE_ERROR', '--out PREFIX is required (it names PREFIX.key and PREFIX.pub)');
    const passphrase = readPassphrase(flags['passphrase-env']);
    const result = writeKeyPair(flags.out, flags.type as KeyType, { passphrase, force: flags.force });
    this.report(
      { ok: true, type: result.type, privateKey: result.privateKeyPath, publicKey: result.publicKeyPath, keyHint: result.hint, encrypted: passphrase !== undefined },
      [`Wrote ${result.type} private key ${result.privateKeyPath} (mode 0600${passphrase !== undefined ? ', encrypted' : ''})`, `Wrote public key ${result.publicKeyPath} (hint ${result.hint})`],
    );
  }

  private onToken(uri: string, type: KeyType, out: string | undefined, force: boolean): void {
    const publicKeyPath = out !== undefined ? path.resolve(`${out}.pub`) : undefined;
    if (publicKeyPath) checkOutputPath(publicKeyPath, { force }); // before the token is touched
    const key = generatePkcs11KeyPair(uri, type);
    if (publicKeyPath) writeFileAtomic(publicKeyPath, key.publicKey.pem, { force, mode: 0o644 });
    this.report(
      { ok: true, type: key.publicKey.type, keySource: 'pkcs11', keyReference: key.reference, publicKey: publicKeyPath ?? null, publicKeyPem: key.publicKey.pem, hint: key.publicKey.hint },
      [`Created ${key.publicKey.type} key pair on the token: ${key.reference}`, publicKeyPath ? `Wrote public key ${publicKeyPath} (hint ${key.publicKey.hint})` : `Public key (hint ${key.publicKey.hint}):\n${key.publicKey.pem.trimEnd()}`],
    );
  }
}
