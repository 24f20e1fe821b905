import { Args, Flags } from '@oclif/core';
import { BaseCommand, jsonText, terminalText } from '../cli/base-command';
import { graphJson, lineageFlags } from '../cli/lineage-flags';
import { evaluateLineage, renderLineageTree } from '../api/lineage';
import { loadPolicy } from '../api/policy';

export default class Lineage extends BaseCommand {
  static override summary = 'Verify and print an artifact\'s lineage tree (artifact, kind, signer, digest, ✓/✗). Exit 0 verified, 1 refused, 2 usage or input error.';
  static override description = 'Follows the provenance dependencies of the artifact by digest, through --with artifacts and --attestations folders, verifying each node against the policy until every path ends at a lineage root. Prints the tree even when a node is refused.';
  static override examples = [
    '<%= config.bin %> lineage ./out/adapter --policy policy.yaml --attestations ./attestations',
    '<%= config.bin %> lineage ./out/adapter --policy policy.yaml --with ./models/base-7b --attestations ./attestations --json',
  ];
  static override args = { artifact: Args.string({ description: 'A folder or a single file.', required: true }) };
  static override flags = {
    policy: Flags.string({ char: 'p', description: 'Policy file (YAML or JSON) naming trusted signers and lineage roots.', required: true }),
    ...lineageFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Lineage);
    const policy = loadPolicy(flags.policy);
    const result = await evaluateLineage(args.artifact, policy, {
      lineage: true,
      attestations: flags.attestations,
      with: flags.with,
      name: flags.name,
      provenance: flags.provenance,
      evals: flags.eval,
    });
    const tree = renderLineageTree(result.graph);
    if (this.wantsJson()) {
      process.stdout.write(jsonText({ ok: result.ok, ...graphJson(result.graph), ...(result.error ? { error: result.error.toJSON() } : {}) }));
    } else if (!flags.quiet || !result.ok) {
      const out = result.ok ? process.stdout : process.stderr;
      if (!flags.quiet) process.stdout.write(tree.length ? terminalText(tree) : '');
      if (result.error) out.write(terminalText([`modelseal lineage: ${result.error.message} [${result.error.code}]`]));
    }
    if (!result.ok) process.exitCode = result.error!.exitCode;
  }
}
