import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { signatureFlag } from '../cli/flags';
import { progressReporter } from '../cli/progress';
import { ModelsealError } from '../errors';
import { verifyArtifact } from '../verify/verify-artifact';
import { trustedSignersFromFlags } from '../verify/signers-from-flags';

export default class Verify extends BaseCommand {
  static override summary = 'Verify an artifact against its signature. Exit 0 verified, 1 refused, 2 usage or input error.';
  static override description =
    'Trust a public key (--key), a Sigstore identity (--identity or --identity-regexp, with --issuer; offline against the shipped ' +
    'public-good trusted root, the one from `modelseal trust update`, or --trusted-root), or X.509 CA roots (--ca-roots). ' +
    'The bundle must be signed by one of them.';
  static override examples = [
    '<%= config.bin %> verify ./my-model --key keys/publisher.pub',
    '<%= config.bin %> verify ./adapter.safetensors --key a.pub --key b.pub --json',
    '<%= config.bin %> verify ./my-model --identity alice@example.com --issuer https://accounts.google.com',
    "<%= config.bin %> verify ./my-model --identity-regexp 'https://github.com/acme/models/\\.github/workflows/release\\.yml@refs/tags/v.*' --issuer https://token.actions.githubusercontent.com",
    '<%= config.bin %> verify ./my-model --identity alice@example.com --issuer https://oidc.internal --trusted-root private_trusted_root.json',
    '<%= config.bin %> verify ./my-model --ca-roots roots.pem --ca-intermediates chain.pem',
  ];
  static override args = { artifact: Args.string({ description: 'A folder or a single file.', required: true }) };
  static override flags = {
    key: Flags.string({ char: 'k', description: 'Trusted PEM public key (repeatable: any one may have signed).', multiple: true }),
    identity: Flags.string({ description: 'Trusted Sigstore identity: the certificate SAN (e-mail or URI), matched exactly.', exclusive: ['identity-regexp'] }),
    'identity-regexp': Flags.string({ description: 'Trusted Sigstore identity as a regular expression that must match the whole SAN.' }),
    issuer: Flags.string({ description: 'OIDC issuer the Sigstore identity must come from, matched exactly (required with --identity/--identity-regexp).' }),
    'trusted-root': Flags.string({ description: 'Sigstore trusted_root.json to verify against (default: `trust update` root, else the shipped public-good root).' }),
    'ca-roots': Flags.string({ description: 'PEM file of trusted X.509 CA root certificate(s) (repeatable).', multiple: true }),
    'ca-intermediates': Flags.string({ description: 'PEM file of intermediate certificates to build the chain with (repeatable).', multiple: true, dependsOn: ['ca-roots'] }),
    signature: signatureFlag,
    'ignore-paths': Flags.string({ description: 'Path inside the artifact to leave out (repeatable).', multiple: true }),
    'ignore-unsigned-files': Flags.boolean({ description: 'Accept files on disk that the signature does not list.' }),
    'default-ignores': Flags.boolean({ description: 'Ignore .git, .gitattributes, .github and .gitignore at the top level.', default: true, allowNo: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Verify);
    const signers = trustedSignersFromFlags(flags);
    if (signers.length === 0) {
      throw new ModelsealError('USAGE_ERROR', 'say whom to trust: --key FILE, --identity ID --issuer URL, or --ca-roots FILE');
    }
    const progress = progressReporter(!flags.json && !flags.quiet, 'verifying');
    const result = await verifyArtifact(args.artifact, {
      signers,
      signature: flags.signature,
      ignorePaths: flags['ignore-paths'],
      ignoreUnsignedFiles: flags['ignore-unsigned-files'],
      noDefaultIgnores: !flags['default-ignores'],
      onProgress: progress.onProgress,
    }).finally(() => progress.done());
    const s = result.manifest.serialization;
    const who = result.signer;
    const by =
      who.method === 'sigstore'
        ? `${who.identity} (issuer ${who.issuer}${who.logIndex !== undefined ? `, Rekor log index ${who.logIndex}` : ''}${who.integratedTime ? `, logged ${who.integratedTime}` : ''})`
        : who.method === 'certificate'
          ? `certificate ${who.identity} (root ${who.issuer}${who.legacyEncoding ? ', legacy v0.2 encoding' : ''})`
          : `${result.keyType} key ${result.keyHint.slice(0, 12)}…`;
    this.report(
      {
        ok: true,
        verified: true,
        artifact: result.artifact,
        signature: result.signature,
        digest: `sha256:${result.rootDigest}`,
        subjectName: result.subjectName,
        predicateType: result.predicateType,
        method: who.method,
        serialization: s.method,
        hashType: s.hashType,
        resources: result.manifest.resources.length,
        keyType: result.keyType,
        keyHint: result.keyHint,
        ...(who.identity !== undefined ? { identity: who.identity } : {}),
        ...(who.issuer !== undefined ? { issuer: who.issuer } : {}),
        ...(who.logIndex !== undefined ? { logIndex: who.logIndex } : {}),
        ...(who.integratedTime !== undefined ? { integratedTime: who.integratedTime } : {}),
        ...(who.rfc3161Timestamps ? { timestamps: who.rfc3161Timestamps } : {}),
        ...(who.trustedRoot !== undefined ? { trustedRoot: who.trustedRoot } : {}),
        ...(who.legacyEncoding ? { legacyEncoding: true } : {}),
      },
      `Verified ${args.artifact}: sha256:${result.rootDigest} (${result.manifest.resources.length} resources, ${s.method}/${s.hashType}) signed by ${by}`,
    );
  }
}
