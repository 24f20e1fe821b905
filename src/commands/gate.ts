import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { ModelsealError } from '../api/errors';
import { Gate } from '../api/gate';

export default class GateCommand extends BaseCommand {
  static override summary = 'Accept or refuse a release for rollout, and record it. Exit 0 accepted and recorded, 1 refused, 2 usage, input or state error.';
  static override description =
    'Refuses a release record that is unsigned or badly signed, signed by fewer distinct trusted signers (keys, Sigstore identities, CA-certified subjects) than the channel needs, not newer than the last accepted version of its channel (rollback, replay), expired (freeze), or whose artifacts differ from the ones given (mix-and-match) or fail their own signature. The accepted version is recorded under --state, crash-safely and under a file lock.';
  static override strict = false;
  static override usage = ['gate ARTIFACT... --channel C --policy POLICY --state DIR --release release.json [--init]'];
  static override args = { artifact: Args.string({ description: 'The artifacts of the release, as they are to be rolled out: folders or single files (one or more).' }) };
  static override examples = [
    '<%= config.bin %> gate --channel prod --policy policy.yaml --state ./gate-state --release release.json ./my-model',
    '<%= config.bin %> gate --channel prod --policy policy.yaml --state ./gate-state --release release.json ./base ./adapter --init   # first run only',
  ];
  static override flags = {
    channel: Flags.string({ char: 'c', description: 'The release channel this gate guards; a record for another channel is refused (CHANNEL_MISMATCH).', required: true }),
    policy: Flags.string({ char: 'p', description: 'Policy file (YAML or JSON) with the channels and their signers and thresholds.', required: true }),
    state: Flags.string({ description: 'Folder holding the gate state (last accepted version per channel).', required: true }),
    release: Flags.string({ char: 'r', description: 'The release record (DSSE envelope JSON from `release create`).', required: true }),
    attestations: Flags.string({ description: 'A folder of signature/provenance bundles for the artifacts\' lineage checks, looked up by digest (repeatable).', multiple: true }),
    init: Flags.boolean({ description: 'Create the state if it does not exist (first run only). Never resets an existing or corrupt state.' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(GateCommand);
    const artifacts = argv as string[];
    if (artifacts.length === 0) throw new ModelsealError('USAGE_ERROR', 'name the release artifacts to check (see --help)');
    const d = await new Gate(flags.policy, flags.state, { channel: flags.channel, init: flags.init, attestations: flags.attestations }).check(flags.release, artifacts);
    this.report(
      { ok: true, ...d, signers: undefined, keyHints: d.signers },
      [
        `Accepted ${d.channel} v${d.version}${d.previousVersion === null ? ' (first release on this channel)' : ` (previous v${d.previousVersion})`}, expires ${d.expires}; ${d.signers.length} of ${d.threshold} required signer(s) signed: ${d.signedBy.map((s) => `${s.signer} (${s.method === 'key' ? `key ${s.keyHint.slice(0, 12)}…` : `${s.method} ${s.id}`})`).join(', ')}`,
        ...d.artifacts.map((a) => `  ${a.name}  sha256:${a.digest}`),
      ],
    );
  }
}
