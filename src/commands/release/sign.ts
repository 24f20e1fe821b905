import * as path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command';
import { passphraseEnvFlag } from '../../cli/flags';
import { signReleaseFile } from '../../api/release';
import { signerTimeoutFlag, signingKeyFlag } from '../../cli/key-flags';
import { certificateFlags, keylessFlags, releaseSigner, signedByJson, signedByText } from '../../cli/signer-flags';

export default class ReleaseSign extends BaseCommand {
  static override summary = 'Add a signature to a release record (for k-of-n thresholds).';
  static override description =
    'Appends a signature over the same payload bytes: a DSSE signature for a key, a Sigstore bundle for a key with its certificate chain or for keyless signing. The file is replaced atomically. A key that already signed the record is refused: it would count once anyway.';
  static override examples = [
    '<%= config.bin %> release sign release.json --key k2.key',
    '<%= config.bin %> release sign release.json --key k3.key --certificate k3.pem --certificate-chain ca-intermediate.pem',
    '<%= config.bin %> release sign release.json --sigstore   # token from SIGSTORE_ID_TOKEN or GitHub Actions',
  ];
  static override args = { release: Args.string({ description: 'The release record file (DSSE envelope JSON).', required: true }) };
  static override flags = {
    key: signingKeyFlag({ description: 'The key that adds its signature (a bare DSSE signature; with --certificate, a bundle with its chain).', exclusive: ['sigstore'] }),
    ...certificateFlags,
    ...keylessFlags,
    'signer-timeout': signerTimeoutFlag,
    'passphrase-env': passphraseEnvFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ReleaseSign);
    const result = await signReleaseFile(args.release, await releaseSigner(flags));
    const r = result.record;
    const hints = result.envelope.signatures.map((s) => s.keyid ?? '');
    const count = hints.length + (result.envelope.bundles?.length ?? 0);
    this.report(
      { ok: true, release: path.resolve(args.release), channel: r.channel, version: r.version, signatures: count, keyHints: hints, ...signedByJson(result.signed) },
      `Signed ${args.release} (${r.channel} v${r.version}) with ${signedByText(result.signed)}; it now carries ${count} signature(s)`,
    );
  }
}
