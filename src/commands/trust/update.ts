import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command';
import { updateTrustedRoot } from '../../api/verify';

export default class TrustUpdate extends BaseCommand {
  static override summary = 'Refresh the Sigstore trusted root through TUF (needs the network; verification stays offline).';
  static override description =
    'Fetches trusted_root.json from a Sigstore TUF repository, verified against the TUF root, and stores it where `verify` looks by ' +
    'default ($MODELSEAL_TRUST_DIR or ~/.config/modelseal/trusted_root.json). Without it, verify uses the public-good root shipped with modelseal.';
  static override examples = [
    '<%= config.bin %> trust update',
    '<%= config.bin %> trust update --mirror-url https://tuf.sigstore.internal --tuf-root ./root.json --output ./private_trusted_root.json',
  ];
  static override flags = {
    'mirror-url': Flags.string({ description: 'TUF repository URL (default: https://tuf-repo-cdn.sigstore.dev, the public-good instance).' }),
    'tuf-root': Flags.string({ description: 'Initial TUF root.json of a private repository (the public-good one is built in).', dependsOn: ['mirror-url'] }),
    output: Flags.string({ char: 'o', description: 'Write trusted_root.json here instead of the default location.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(TrustUpdate);
    const r = await updateTrustedRoot({ mirrorURL: flags['mirror-url'], tufRoot: flags['tuf-root'], output: flags.output });
    this.report({ ok: true, ...r }, `Updated the Sigstore trusted root from ${r.mirrorURL} (${r.certificateAuthorities} CAs, ${r.tlogs} logs, ${r.timestampAuthorities} TSAs) -> ${r.output}`);
  }
}
