import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { signatureFlag, threadsFlag } from '../cli/flags';
import { progressReporter } from '../cli/progress';
import { verifyArtifact } from '../verify/verify-artifact';

export default class Verify extends BaseCommand {
  static override summary = 'Verify an artifact against its signature. Exit 0 verified, 1 refused, 2 usage or input error.';
  static override examples = ['<%= config.bin %> verify ./my-model --key keys/publisher.pub', '<%= config.bin %> verify ./adapter.safetensors --key a.pub --key b.pub --json'];
  static override args = { artifact: Args.string({ description: 'A folder or a single file.', required: true }) };
  static override flags = {
    key: Flags.string({ char: 'k', description: 'Trusted PEM public key (repeatable: any one may have signed).', multiple: true, required: true }),
    signature: signatureFlag,
    'ignore-paths': Flags.string({ description: 'Path inside the artifact to leave out (repeatable).', multiple: true }),
    'ignore-unsigned-files': Flags.boolean({ description: 'Accept files on disk that the signature does not list.' }),
    'default-ignores': Flags.boolean({ description: 'Ignore .git, .gitattributes, .github and .gitignore at the top level.', default: true, allowNo: true }),
    threads: threadsFlag(),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Verify);
    const progress = progressReporter(!flags.json && !flags.quiet, 'verifying');
    const result = await verifyArtifact(args.artifact, {
      keys: flags.key,
      signature: flags.signature,
      ignorePaths: flags['ignore-paths'],
      ignoreUnsignedFiles: flags['ignore-unsigned-files'],
      noDefaultIgnores: !flags['default-ignores'],
      onProgress: progress.onProgress,
      threads: flags.threads,
    }).finally(() => progress.done());
    const s = result.manifest.serialization;
    this.report(
      {
        ok: true,
        verified: true,
        artifact: result.artifact,
        signature: result.signature,
        digest: `sha256:${result.rootDigest}`,
        subjectName: result.subjectName,
        predicateType: result.predicateType,
        method: 'key',
        serialization: s.method,
        hashType: s.hashType,
        resources: result.manifest.resources.length,
        keyType: result.keyType,
        keyHint: result.keyHint,
      },
      `Verified ${args.artifact}: sha256:${result.rootDigest} (${result.manifest.resources.length} resources, ${s.method}/${s.hashType}) signed by ${result.keyType} key ${result.keyHint.slice(0, 12)}…`,
    );
  }
}
