import * as path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command';
import { passphraseEnvFlag } from '../../cli/flags';
import { signReleaseFile } from '../../api/release';
import { signerTimeoutFlag, signingKeyFlag, signingKeyFromFlags } from '../../cli/key-flags';

export default class ReleaseSign extends BaseCommand {
  static override summary = 'Add a signature to a release record (for k-of-n thresholds).';
  static override description = 'Appends a DSSE signature over the same payload; the file is replaced atomically. A key that already signed the record is refused: it would count once anyway.';
  static override examples = ['<%= config.bin %> release sign release.json --key k2.key'];
  static override args = { release: Args.string({ description: 'The release record file (DSSE envelope JSON).', required: true }) };
  static override flags = {
    key: signingKeyFlag({ description: 'The key that adds its signature.', required: true }),
    'signer-timeout': signerTimeoutFlag,
    'passphrase-env': passphraseEnvFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ReleaseSign);
    const key = signingKeyFromFlags(flags);
    const result = signReleaseFile(args.release, key);
    const r = result.record;
    const hints = result.envelope.signatures.map((s) => s.keyid ?? '');
    this.report(
      { ok: true, release: path.resolve(args.release), channel: r.channel, version: r.version, signatures: hints.length, keyHints: hints },
      `Signed ${args.release} (${r.channel} v${r.version}) with ${key.type} key ${key.publicKey.hint.slice(0, 12)}…; it now carries ${hints.length} signature(s)`,
    );
  }
}
