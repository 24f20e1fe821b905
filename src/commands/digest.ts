import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import * as path from 'node:path';
import { BaseCommand } from '../cli/base-command';
import { DIGEST_ALIASES, withAliases } from '../cli/compat-flags';
import { digestFlags, digestOptionsFrom } from '../cli/flags';
import { cliIgnorePaths } from '../cli/ignore-paths';
import { printWarnings, warningsJson } from '../cli/warnings';
import { progressReporter } from '../cli/progress';
import { digestArtifact, parsePart } from '../api/digest';
import { ModelsealError } from '../api/errors';
import { signatureInside } from '../api/sign';
import { checkOutputPath, digestPackedPart, partialManifestChunks, resourceListOf, writeFileAtomic } from '../cli/internal';
import { JsonList } from '../cli/json-output';

export default class Digest extends BaseCommand {
  static override summary = 'Print the OMS root digest of an artifact (the subject digest that sign writes), or write one part of its manifest for sign --from-manifest.';
  static override examples = [
    '<%= config.bin %> digest ./my-model',
    '<%= config.bin %> digest ./my-model --method shards --json',
    '<%= config.bin %> digest ./dataset --part 0/4 --manifest-out parts/part-0.json   # one of 4 workers (see docs/scale.md)',
  ];
  static override args = { artifact: Args.string({ description: 'Model, dataset or adapter: a folder or a single file.', required: true }) };
  static override flags = withAliases(
    {
      ...digestFlags,
      part: Flags.string({ description: 'Hash only part INDEX of COUNT (0-based, e.g. 0/4): a deterministic split by path, balanced by bytes.', dependsOn: ['manifest-out'], helpGroup: 'PARTS' }),
      'manifest-out': Flags.string({ description: 'Write the (partial) manifest with sizes to this file, outside the artifact, for sign --from-manifest.', helpGroup: 'PARTS' }),
      force: Flags.boolean({ description: 'Replace an existing --manifest-out file.' }),
    },
    DIGEST_ALIASES,
  );

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Digest);
    const ignores = cliIgnorePaths(args.artifact, flags['ignore-paths']);
    printWarnings('digest', ignores.warnings, flags);
    const progress = progressReporter(!flags.json && !flags.quiet, 'hashing');
    if (flags['manifest-out'] !== undefined) return this.writePart(args.artifact, flags['manifest-out'], flags, ignores, progress);
    const manifest = await digestArtifact(args.artifact, { ...digestOptionsFrom(flags, ignores.paths), onProgress: progress.onProgress }).finally(() => progress.done());
    const s = manifest.serialization;
    return this.reportStreamed(
      {
        ok: true,
        artifact: args.artifact,
        digest: `sha256:${manifest.rootDigest}`,
        serialization: s.method,
        hashType: s.hashType,
        ...(s.shardSize !== undefined ? { shardSize: s.shardSize } : {}),
        // Written one resource at a time: a million resources never become objects or one string.
        resources: new JsonList(() => resourceListOf(manifest)),
        ...warningsJson(ignores.warnings),
      },
      `sha256:${manifest.rootDigest}`,
    );
  }

  private async writePart(
    artifact: string,
    out: string,
    flags: Parameters<typeof digestOptionsFrom>[0] & { part?: string; force: boolean },
    ignores: ReturnType<typeof cliIgnorePaths>,
    progress: ReturnType<typeof progressReporter>,
  ): Promise<void> {
    const part = flags.part !== undefined ? parsePart(flags.part) : { index: 0, count: 1 };
    const target = path.resolve(out);
    if (signatureInside(artifact, target) !== undefined) {
      throw new ModelsealError('USAGE_ERROR', 'the manifest would be written inside the artifact, changing what the other parts hash; write it outside', { file: out });
    }
    checkOutputPath(target, { force: flags.force }); // before hashing
    const packed = await digestPackedPart(artifact, part, { ...digestOptionsFrom(flags, ignores.paths), onProgress: progress.onProgress }).finally(() => progress.done());
    writeFileAtomic(target, partialManifestChunks(packed), { force: flags.force });
    const bytes = packed.sizes.reduce((n, size) => n + size, 0);
    const count = packed.list.length;
    this.report(
      { ok: true, artifact, manifest: target, part, resources: count, bytes, ...warningsJson(ignores.warnings) },
      `Wrote part ${part.index}/${part.count} of ${artifact} (${count} resources, ${bytes} bytes) -> ${target}`,
    );
  }
}
