import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command';
import { loadPolicy } from '../../api/policy';

export default class PolicyCheck extends BaseCommand {
  static override summary = 'Validate a policy file (schema, unknown fields, signer references, key files). Exit 0 valid, 2 invalid.';
  static override examples = ['<%= config.bin %> policy check policy.yaml', '<%= config.bin %> policy check policy.json --json'];
  static override args = { policy: Args.string({ description: 'The policy file (YAML or JSON).', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(PolicyCheck);
    const policy = loadPolicy(args.policy);
    const signers = [...policy.signers.values()].map((s) => ({ name: s.name, kind: s.kind, ...(s.kind === 'key' ? { keys: s.keys.map((k) => ({ type: k.type, hint: k.hint })) } : {}) }));
    this.report(
      {
        ok: true,
        policy: policy.file,
        signers,
        artifacts: policy.artifacts,
        channels: Object.fromEntries(policy.channels),
      },
      [
        `Policy ${args.policy} is valid: ${policy.signers.size} signer(s), ${policy.artifacts.length} artifact rule(s), ${policy.channels.size} channel(s).`,
        ...policy.artifacts.map((r) => `  ${r.name}: signers ${r.signers.join(', ')}; lineage ${r.lineage}${r.roots ? `; roots ${r.roots.join(', ')}` : ''}${r.kinds ? `; kinds ${r.kinds.join(', ')}` : ''}${r.builders ? `; builders ${r.builders.join(', ')}` : ''}`),
      ],
    );
  }
}
