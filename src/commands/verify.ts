import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { plural } from '../cli/format';
import { signatureFlag, threadsFlag } from '../cli/flags';
import { graphJson, lineageFlags } from '../cli/lineage-flags';
import { progressReporter } from '../cli/progress';
import { ModelsealError } from '../errors';
import { verifyLineage } from '../lineage/verify-lineage';
import { renderLineageTree } from '../lineage/render-tree';
import { loadPolicy } from '../policy/load-policy';
import { verifyArtifact } from '../verify/verify-artifact';
import { trustedSignersFromFlags } from '../verify/signers-from-flags';
import { refuseSignatureAsArtifact } from '../sign/signature-path';
import { requireInputFiles } from '../cli/input-files';

export default class Verify extends BaseCommand {
  static override summary = 'Verify an artifact against its signature, with trusted signers or a policy (and its lineage). Exit 0 verified, 1 refused, 2 usage or input error.';
  static override description =
    'Trust a public key (--key), a Sigstore identity (--identity or --identity-regexp, with --issuer; offline against the shipped ' +
    'public-good trusted root, the one from `modelseal trust update`, or --trusted-root), or X.509 CA roots (--ca-roots). ' +
    'The bundle (or COSE_Sign1 message) must be signed by one of them. Or give --policy: the rule matching the artifact\'s name ' +
    'says who may sign or attest it, which kinds and builders are allowed and whether its lineage must be verified; --lineage ' +
    'verifies the lineage in any case (see docs/lineage.md).';
  static override usage = [
    'verify ARTIFACT --key PUBKEY... [FLAGS]',
    'verify ARTIFACT (--identity ID | --identity-regexp RE) --issuer URL [--trusted-root FILE] [FLAGS]',
    'verify ARTIFACT --ca-roots PEM... [--ca-intermediates PEM...] [FLAGS]',
    'verify ARTIFACT --policy POLICY [--lineage] [--attestations DIR...] [--with ARTIFACT...] [FLAGS]',
  ];
  static override examples = [
    '<%= config.bin %> verify ./my-model --key keys/publisher.pub',
    '<%= config.bin %> verify ./adapter.safetensors --key a.pub --key b.pub --json',
    '<%= config.bin %> verify ./my-model --identity alice@example.com --issuer https://accounts.google.com',
    "<%= config.bin %> verify ./my-model --identity-regexp 'https://github.com/acme/models/\\.github/workflows/release\\.yml@refs/tags/v.*' --issuer https://token.actions.githubusercontent.com",
    '<%= config.bin %> verify ./my-model --identity alice@example.com --issuer https://oidc.internal --trusted-root private_trusted_root.json',
    '<%= config.bin %> verify ./my-model --ca-roots roots.pem --ca-intermediates chain.pem',
    '<%= config.bin %> verify ./my-model --key keys/publisher.pub --signature ./my-model/model.cose   # a COSE_Sign1 signed statement',
    '<%= config.bin %> verify ./out/adapter --policy policy.yaml --lineage --attestations ./attestations --with ./models/base-7b',
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
    policy: Flags.string({ char: 'p', description: 'Policy file (YAML or JSON): trusted signers, rules by artifact name, lineage roots.', exclusive: ['key', 'identity', 'identity-regexp', 'ca-roots'] }),
    lineage: Flags.boolean({ description: 'Also verify the lineage (provenance dependencies, by digest, up to the policy\'s roots), even if the rule does not require it.', dependsOn: ['policy'] }),
    ...lineageFlags,
    signature: signatureFlag,
    'ignore-paths': Flags.string({ description: 'Path inside the artifact to leave out (repeatable).', multiple: true }),
    'ignore-unsigned-files': Flags.boolean({ description: 'Accept files on disk that the signature does not list.' }),
    'default-ignores': Flags.boolean({ description: 'Ignore .git, .gitattributes, .github and .gitignore at the top level.', default: true, allowNo: true }),
    threads: threadsFlag(),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Verify);
    refuseSignatureAsArtifact(args.artifact, flags.signature);
    requireInputFiles({ key: flags.key, 'ca-roots': flags['ca-roots'], 'ca-intermediates': flags['ca-intermediates'], 'trusted-root': flags['trusted-root'], policy: flags.policy });
    if (flags.policy) return this.runPolicy(args.artifact, flags);
    for (const f of ['attestations', 'with', 'name', 'provenance', 'eval'] as const) {
      if (flags[f] !== undefined) throw new ModelsealError('USAGE_ERROR', `--${f} needs --policy`);
    }
    const signers = trustedSignersFromFlags(flags);
    if (signers.length === 0) {
      throw new ModelsealError('USAGE_ERROR', 'say whom to trust: --key FILE, --identity ID --issuer URL, --ca-roots FILE, or --policy FILE');
    }
    const progress = progressReporter(!flags.json && !flags.quiet, 'verifying');
    const result = await verifyArtifact(args.artifact, {
      signers,
      signature: flags.signature,
      ignorePaths: flags['ignore-paths'],
      ignoreUnsignedFiles: flags['ignore-unsigned-files'],
      noDefaultIgnores: !flags['default-ignores'],
      onProgress: progress.onProgress,
      threads: flags.threads,
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
        format: result.format,
        ...(result.claims ? { claims: result.claims } : {}),
        digest: `sha256:${result.rootDigest}`,
        subjectName: result.subjectName,
        predicateType: result.predicateType,
        signingMethod: who.method,
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
      `Verified ${args.artifact}: sha256:${result.rootDigest} (${plural(result.manifest.resources.length, 'resource')}, ${s.method}/${s.hashType}) signed by ${by}${result.claims ? ` (COSE_Sign1, issuer ${JSON.stringify(result.claims.issuer)}, subject ${JSON.stringify(result.claims.subject)})` : ''}`,
    );
  }
  private async runPolicy(
    artifact: string,
    flags: { policy?: string; lineage?: boolean; attestations?: string[]; with?: string[]; name?: string; signature?: string; provenance?: string; eval?: string[] },
  ): Promise<void> {
    for (const f of ['ignore-paths', 'ignore-unsigned-files'] as const) {
      if (this.argv.includes(`--${f}`)) throw new ModelsealError('USAGE_ERROR', `--${f} cannot be used with --policy`);
    }
    const policy = loadPolicy(flags.policy!);
    const graph = await verifyLineage(artifact, policy, {
      lineage: flags.lineage,
      attestations: flags.attestations,
      with: flags.with,
      name: flags.name,
      signature: flags.signature,
      provenance: flags.provenance,
      evals: flags.eval,
    });
    const top = graph.nodes[0];
    const followed = top.followed;
    this.report(
      { ok: true, verified: true, trust: 'policy', policy: policy.file, lineageVerified: followed, ...graphJson(graph) },
      [
        `Verified ${artifact}: sha256:${graph.digest} as "${graph.name}" (rule ${JSON.stringify(graph.rule)}), signed by ${[...new Set(top.signers.map((s) => s.signer))].join(', ')}${followed ? `; lineage verified (${graph.nodes.length} artifacts)` : ''}`,
        ...(followed ? renderLineageTree(graph).map((l) => `  ${l}`) : []),
      ],
    );
  }
}

