import * as path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command';
import { passphraseEnvFlag } from '../../cli/flags';
import { ModelsealError } from '../../api/errors';
import { createRelease } from '../../api/release';
import { signerTimeoutFlag, signingKeyFlag } from '../../cli/key-flags';
import { certificateFlags, keylessFlags, releaseSigner, signedByJson, signedByText } from '../../cli/signer-flags';
import { checkOutputPath, refuseOutputInside, writeFileAtomic } from '../../cli/internal';

export default class ReleaseCreate extends BaseCommand {
  static override summary = 'Create a signed release record binding a channel, a version, an expiry and the exact set of signed artifacts.';
  static override description =
    'Each artifact must already carry its OMS signature at the default location (<dir>/model.sig or <file>.sig); the record binds its root digest under its folder or file name. The output is a DSSE envelope (JSON) over an in-toto statement of type https://modelseal.dev/release/v1; add further signatures with `release sign`.';
  static override strict = false;
  static override usage = [
    'release create ARTIFACT... --channel CHANNEL --version N --expires 7d --key KEY [--certificate PEM] [--out release.json]',
    'release create ARTIFACT... --channel CHANNEL --version N --expires 7d --sigstore [--identity-token TOKEN] [--out release.json]',
  ];
  static override args = { artifact: Args.string({ description: 'The signed artifacts of the release: folders or single files, each with its signature at the default location (one or more).' }) };
  static override examples = [
    '<%= config.bin %> release create ./my-model --channel prod --version 42 --expires 7d --key k1.key',
    '<%= config.bin %> release create ./base ./adapter --channel prod --version 43 --expires 2026-12-31T00:00:00Z --key k1.key --out release-43.json',
    '<%= config.bin %> release create ./my-model --channel prod --version 44 --expires 7d --sigstore   # keyless: counts as its identity',
  ];
  static override flags = {
    channel: Flags.string({ char: 'c', description: 'Release channel, as named under channels in the gate policy.', required: true }),
    version: Flags.integer({ description: 'Release version, an integer from 1: must be above every version accepted before on this channel.', helpValue: '<integer>', required: true, min: 1 }),
    expires: Flags.string({ description: 'Expiry: a duration from now (90s, 30m, 12h, 7d, 2w) or a UTC time (2026-12-31T00:00:00Z).', required: true }),
    key: signingKeyFlag({ description: 'The key that signs the record (a bare DSSE signature; with --certificate, a bundle with its chain).', exclusive: ['sigstore'] }),
    ...certificateFlags,
    ...keylessFlags,
    'signer-timeout': signerTimeoutFlag,
    'passphrase-env': passphraseEnvFlag,
    out: Flags.string({ char: 'o', description: 'Where to write the release record.', default: 'release.json' }),
    force: Flags.boolean({ description: 'Replace an existing output file.' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ReleaseCreate);
    const artifacts = argv as string[];
    if (artifacts.length === 0) throw new ModelsealError('USAGE_ERROR', 'name at least one artifact (see --help)');
    const signing = await releaseSigner(flags);
    const out = path.resolve(flags.out);
    // Before any signing: the record must not become an unsigned file of an artifact it names.
    for (const a of artifacts) refuseOutputInside(a, out, 'the release record');
    checkOutputPath(out, { force: flags.force });
    const result = await createRelease(artifacts, { channel: flags.channel, version: flags.version, expires: flags.expires, ...signing });
    writeFileAtomic(out, result.json, { force: flags.force });
    const r = result.record;
    this.report(
      { ok: true, release: out, channel: r.channel, version: r.version, expires: r.expires, artifacts: r.artifacts.map((a) => ({ name: a.name, digest: `sha256:${a.digest}` })), keyHints: [result.signed.keyHint], ...signedByJson(result.signed) },
      [`Created release ${r.channel} v${r.version} (expires ${r.expires}) -> ${out}`, ...r.artifacts.map((a) => `  ${a.name}  sha256:${a.digest}`), `Signed with ${signedByText(result.signed)}`],
    );
  }
}
