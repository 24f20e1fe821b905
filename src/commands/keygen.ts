import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { passphraseEnvFlag } from '../cli/flags';
import { readPassphrase } from '../cli/passphrase';
import { KEY_TYPES, type KeyType } from '../keys/key-types';
import { writeKeyPair } from '../keys/write';

export default class Keygen extends BaseCommand {
  static override summary = 'Generate a signing key pair (PKCS#8 private key, mode 0600, and SPKI public key).';
  static override examples = [
    '<%= config.bin %> keygen --type ed25519 --out keys/publisher',
    'MODELSEAL_PASSPHRASE=... <%= config.bin %> keygen --type ecdsa-p256 --out keys/ci --passphrase-env MODELSEAL_PASSPHRASE',
  ];
  static override flags = {
    type: Flags.string({ char: 't', description: 'Key type.', options: [...KEY_TYPES], default: 'ed25519' }),
    out: Flags.string({ char: 'o', description: 'Output prefix: writes PREFIX.key and PREFIX.pub.', required: true }),
    'passphrase-env': passphraseEnvFlag,
    force: Flags.boolean({ description: 'Replace existing key files.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Keygen);
    const passphrase = readPassphrase(flags['passphrase-env']);
    const result = writeKeyPair(flags.out, flags.type as KeyType, { passphrase, force: flags.force });
    this.report(
      { ok: true, type: result.type, privateKey: result.privateKeyPath, publicKey: result.publicKeyPath, keyHint: result.hint, encrypted: passphrase !== undefined },
      [`Wrote ${result.type} private key ${result.privateKeyPath} (mode 0600${passphrase !== undefined ? ', encrypted' : ''})`, `Wrote public key ${result.publicKeyPath} (hint ${result.hint})`],
    );
  }
}
