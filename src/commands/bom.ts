import * as path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { signatureFlag } from '../cli/flags';
import { lineageFlags } from '../cli/lineage-flags';
import { ModelsealError } from '../api/errors';
import { escapeJsonText, quoted } from '../api/names';
import { buildMlBom, serializeMlBom } from '../api/bom';
import { verifyLineage } from '../api/lineage';
import { loadPolicy } from '../api/policy';
import { writeFileAtomic } from '../cli/internal';
import { signatureInside } from '../api/sign';

export default class Bom extends BaseCommand {
  static override summary = 'Write a CycloneDX 1.6 ML-BOM of an artifact\'s verified lineage. Exit 0 written, 1 refused (nothing written), 2 usage or input error.';
  static override description =
    'Verifies the artifact and its whole lineage against the policy exactly as `modelseal lineage` does, then writes one component per verified artifact (machine-learning-model or data) with its root digest, per-file hashes, ancestors, signers and the signature and attestation files. If any node does not verify, nothing is written. The BOM goes to stdout unless --out is given. See docs/format.md, "CycloneDX ML-BOM".';
  static override examples = [
    '<%= config.bin %> bom ./out/adapter --policy policy.yaml --attestations ./attestations --out adapter.cdx.json',
    '<%= config.bin %> bom ./out/adapter --policy policy.yaml --with ./models/base-7b --attestations ./attestations > adapter.cdx.json',
  ];
  static override args = { artifact: Args.string({ description: 'A folder or a single file: the top of the lineage.', required: true }) };
  static override flags = {
    policy: Flags.string({ char: 'p', description: 'Policy file (YAML or JSON) naming trusted signers and lineage roots.', required: true }),
    format: Flags.string({ description: 'Output format.', options: ['cyclonedx-json'], default: 'cyclonedx-json' }),
    out: Flags.string({ char: 'o', description: 'Write the BOM to this file (atomically) instead of stdout; signature files are referenced relative to its folder.' }),
    force: Flags.boolean({ description: 'Replace an existing --out file.', dependsOn: ['out'] }),
    ...lineageFlags,
    signature: signatureFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Bom);
    const policy = loadPolicy(flags.policy);
    const out = flags.out === undefined ? undefined : path.resolve(flags.out);
    const graph = await verifyLineage(args.artifact, policy, {
      lineage: true,
      attestations: flags.attestations,
      with: flags.with,
      name: flags.name,
      signature: flags.signature,
      provenance: flags.provenance,
    });
    if (out !== undefined) {
      // A file written into an artifact folder would become an unsigned file of that artifact.
      const inside = graph.nodes.find((n) => n.path !== undefined && signatureInside(n.path, out) !== undefined);
      if (inside) throw new ModelsealError('OUTPUT_UNSAFE', `is inside the artifact ${quoted(inside.name)} (${inside.path}); write the BOM outside it`, { file: flags.out });
    }
    const bom = buildMlBom(graph, { baseDir: out === undefined ? process.cwd() : path.dirname(out) });
    const text = serializeMlBom(bom);
    if (out === undefined) {
      process.stdout.write(escapeJsonText(text));
      return;
    }
    writeFileAtomic(out, text, { force: flags.force });
    this.report(
      { ok: true, out, format: flags.format, specVersion: bom.specVersion, serialNumber: bom.serialNumber, digest: `sha256:${graph.digest}`, name: graph.name, components: graph.nodes.length },
      `Wrote a CycloneDX ${bom.specVersion} ML-BOM of "${graph.name}" (sha256:${graph.digest}, ${graph.nodes.length} verified artifacts) to ${flags.out}`,
    );
  }
}
