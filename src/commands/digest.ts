import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { DIGEST_ALIASES, withAliases } from '../cli/compat-flags';
import { digestFlags, digestOptionsFrom } from '../cli/flags';
import { cliIgnorePaths } from '../cli/ignore-paths';
import { printWarnings, warningsJson } from '../cli/warnings';
import { progressReporter } from '../cli/progress';
import { digestArtifact } from '../digest-artifact';

export default class Digest extends BaseCommand {
  static override summary = 'Print the OMS root digest of an artifact (the subject digest that sign writes).';
  static override examples = ['<%= config.bin %> digest ./my-model', '<%= config.bin %> digest ./my-model --method shards --json'];
  static override args = { artifact: Args.string({ description: 'Model, dataset or adapter: a folder or a single file.', required: true }) };
  static override flags = withAliases({ ...digestFlags }, DIGEST_ALIASES);

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Digest);
    const ignores = cliIgnorePaths(args.artifact, flags['ignore-paths']);
    printWarnings('digest', ignores.warnings, flags);
    const progress = progressReporter(!flags.json && !flags.quiet, 'hashing');
    const manifest = await digestArtifact(args.artifact, { ...digestOptionsFrom(flags), ignorePaths: ignores.paths, onProgress: progress.onProgress }).finally(() => progress.done());
    const s = manifest.serialization;
    this.report(
      {
        ok: true,
        artifact: args.artifact,
        digest: `sha256:${manifest.rootDigest}`,
        rootDigest: manifest.rootDigest,
        method: s.method,
        hashType: s.hashType,
        ...(s.shardSize !== undefined ? { shardSize: s.shardSize } : {}),
        resources: manifest.resources,
        ...warningsJson(ignores.warnings),
      },
      `sha256:${manifest.rootDigest}`,
    );
  }
}
