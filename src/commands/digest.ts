import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { digestFlags, digestOptionsFrom } from '../cli/flags';
import { progressReporter } from '../cli/progress';
import { digestArtifact } from '../digest-artifact';

export default class Digest extends BaseCommand {
  static override summary = 'Print the OMS root digest of an artifact (the subject digest that sign writes).';
  static override examples = ['<%= config.bin %> digest ./my-model', '<%= config.bin %> digest ./my-model --method shards --json'];
  static override args = { artifact: Args.string({ description: 'Model, dataset or adapter: a folder or a single file.', required: true }) };
  static override flags = { ...digestFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Digest);
    const progress = progressReporter(!flags.json && !flags.quiet, 'hashing');
    const manifest = await digestArtifact(args.artifact, { ...digestOptionsFrom(flags), onProgress: progress.onProgress }).finally(() => progress.done());
    const s = manifest.serialization;
    this.report(
      {
        ok: true,
        artifact: args.artifact,
        digest: `sha256:${manifest.rootDigest}`,
        serialization: s.method,
        hashType: s.hashType,
        ...(s.shardSize !== undefined ? { shardSize: s.shardSize } : {}),
        resources: manifest.resources,
      },
      `sha256:${manifest.rootDigest}`,
    );
  }
}
