import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base-command';
import { checkVerifyMethod, compatVerifyFlags, methodPathArg, splitMethod, VERIFY_ALIASES, withAliases } from '../cli/compat-flags';
import { cliIgnorePaths } from '../cli/ignore-paths';
import { printWarnings, warningsJson } from '../cli/warnings';
import { trustConfigFromFlags, trustedSignersFromFlags } from '../cli/internal';
import { plural } from '../cli/format';
import { signatureFlag, threadsFlag } from '../cli/flags';
import { KEY_REFERENCE_HELP, publicKeyReferences } from '../cli/key-flags';
import { graphJson, lineageFlags } from '../cli/lineage-flags';
import { progressReporter } from '../cli/progress';
import { parsePart, resourceCount } from '../api/digest';
import { ModelsealError } from '../api/errors';
import { verifyArtifact } from '../index';
import { displayText, quoted } from '../api/names';
import { ociFlags, refuseFlags, registryOptionsFrom } from '../cli/oci-flags';
// Each api name loads its module on first use: a key verify loads no policy, lineage or OCI code (issue 16).
import { isOciReference, verifyOci } from '../api/oci';
import { loadPolicy } from '../api/policy';
import { renderLineageTree } from '../api/lineage';
import { refuseSignatureAsArtifact } from '../api/sign';
import { requireInputFiles } from '../cli/input-files';
import { keyReferenceKind } from '../api/keys';

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
    '<%= config.bin %> verify oci://registry.example.com/models/llama-ft:v1 --key keys/publisher.pub',
    '<%= config.bin %> verify ./out/adapter --policy policy.yaml --lineage --attestations ./attestations --with ./models/base-7b',
  ];
  static override args = { artifact: Args.string({ description: 'A folder, a file or an oci:// reference.', required: true }), path: Args.string(methodPathArg) };
  static override flags = withAliases({
    key: Flags.string({ char: 'k', description: `Trusted public key (repeatable: any one may have signed). Either ${KEY_REFERENCE_HELP}; a token or signer is asked for its public key only.`, multiple: true }),
    identity: Flags.string({ description: 'Trusted Sigstore identity: the certificate SAN (e-mail or URI), matched exactly.', exclusive: ['identity-regexp'] }),
    'identity-regexp': Flags.string({ description: 'Trusted Sigstore identity as a regular expression that must match the whole SAN.' }),
    issuer: Flags.string({ description: 'OIDC issuer the Sigstore identity must come from, matched exactly (required with --identity/--identity-regexp).' }),
    'trusted-root': Flags.string({ description: 'Sigstore trusted_root.json to verify against (default: `trust update` root, else the shipped public-good root).', exclusive: ['trust-config', 'use-staging'] }),
    'trust-config': Flags.string({ description: 'Sigstore ClientTrustConfig JSON of a private instance: its trusted root is the one verified against.', exclusive: ['use-staging'] }),
    'use-staging': Flags.boolean({ description: "Verify against Sigstore's staging trusted root (shipped in trust/)." }),
    ...compatVerifyFlags,
    'ca-roots': Flags.string({ description: 'PEM file of trusted X.509 CA root certificate(s) (repeatable).', multiple: true }),
    'certificate-validity': Flags.string({
      description: "When X.509 chains (--ca-roots) must be valid: now (default), or not-before: at the leaf's notBefore, as model_signing does (accepts certificates that have since expired).",
      options: ['now', 'not-before'],
    }),
    'ca-intermediates': Flags.string({ description: 'PEM file of intermediate certificates to build the chain with (repeatable).', multiple: true, dependsOn: ['ca-roots'] }),
    policy: Flags.string({ char: 'p', description: 'Policy file (YAML or JSON): trusted signers, rules by artifact name, lineage roots.', exclusive: ['key', 'identity', 'identity-regexp', 'ca-roots'] }),
    lineage: Flags.boolean({ description: 'Also verify the lineage (provenance dependencies, by digest, up to the policy\'s roots), even if the rule does not require it.', dependsOn: ['policy'] }),
    ...lineageFlags,
    signature: signatureFlag,
    'ignore-paths': Flags.string({ description: 'Path inside the artifact to leave out (repeatable).', multiple: true }),
    'ignore-unsigned-files': Flags.boolean({ description: 'Accept files on disk that the signature does not list.', allowNo: true }),
    'default-ignores': Flags.boolean({ description: 'Ignore .git, .gitattributes, .github and .gitignore at the top level.', default: true, allowNo: true }),
    threads: threadsFlag(),
    part: Flags.string({ description: 'Check only part INDEX of COUNT (0-based, e.g. 0/4) of the signed files: the split digest --part uses (see docs/scale.md).', helpGroup: 'PARTS' }),
    ...ociFlags,
  }, VERIFY_ALIASES);

  async run(): Promise<void> {
    const { args: rawArgs, flags } = await this.parse(Verify);
    const { method, artifact } = splitMethod(rawArgs.artifact, rawArgs.path);
    const args = { artifact };
    checkVerifyMethod(method, flags);
    if (isOciReference(artifact)) return this.runOci(artifact, flags);
    refuseFlags(this.argv, Object.keys(ociFlags), 'applies to oci:// references only');
    refuseSignatureAsArtifact(artifact, flags.signature);
    requireInputFiles({ key: (flags.key ?? []).filter((k) => keyReferenceKind(k) === 'file'), 'ca-roots': flags['ca-roots'], 'ca-intermediates': flags['ca-intermediates'], 'trusted-root': flags['trusted-root'], policy: flags.policy });
    if (flags.policy) return this.runPolicy(args.artifact, flags);
    for (const f of ['attestations', 'with', 'name', 'provenance', 'eval'] as const) {
      if (flags[f] !== undefined) throw new ModelsealError('USAGE_ERROR', `--${f} needs --policy`);
    }
    const trust = trustConfigFromFlags(flags);
    // Token and external-signer keys are read here; PEM files stay paths for the verifier to read.
    const keys = publicKeyReferences(flags.key ?? []);
    const signers = [...keys.map((key) => ({ kind: 'key' as const, key })), ...trustedSignersFromFlags({ ...flags, key: undefined })];
    if (trust) {
      const keyless = signers.filter((s) => s.kind === 'sigstore');
      if (keyless.length === 0) throw new ModelsealError('USAGE_ERROR', `--${flags['trust-config'] ? 'trust-config' : 'use-staging'} needs --identity and --issuer (whom to trust on that instance)`);
      for (const s of keyless) if (s.kind === 'sigstore') s.trustedRoot = trust.trustedRoot;
    }
    const ignores = cliIgnorePaths(artifact, flags['ignore-paths']);
    printWarnings('verify', ignores.warnings, flags);
    if (signers.length === 0) {
      throw new ModelsealError('USAGE_ERROR', 'say whom to trust: --key FILE, --identity ID --issuer URL, --ca-roots FILE, or --policy FILE');
    }
    const progress = progressReporter(!flags.json && !flags.quiet, 'verifying');
    const result = await verifyArtifact(args.artifact, {
      signers,
      signature: flags.signature,
      ignorePaths: ignores.paths,
      ignoreUnsignedFiles: flags['ignore-unsigned-files'],
      noDefaultIgnores: !flags['default-ignores'],
      onProgress: progress.onProgress,
      threads: flags.threads,
      ...(flags.part !== undefined ? { part: parsePart(flags.part) } : {}),
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
        resources: resourceCount(result.manifest),
        ...(result.checked.part ? { partial: true, part: { ...result.checked.part, resourcesChecked: result.checked.resources } } : {}),
        keyType: result.keyType,
        keyHint: result.keyHint,
        ...(who.identity !== undefined ? { identity: who.identity } : {}),
        ...(who.issuer !== undefined ? { issuer: who.issuer } : {}),
        ...(who.logIndex !== undefined ? { logIndex: who.logIndex } : {}),
        ...(who.integratedTime !== undefined ? { integratedTime: who.integratedTime } : {}),
        ...(who.rfc3161Timestamps ? { timestamps: who.rfc3161Timestamps } : {}),
        ...(who.trustedRoot !== undefined ? { trustedRoot: who.trustedRoot } : {}),
        ...(who.legacyEncoding ? { legacyEncoding: true } : {}),
        ...warningsJson(ignores.warnings),
      },
      [
        `Verified ${result.checked.part ? `part ${result.checked.part.index}/${result.checked.part.count} of ` : ''}${displayText(args.artifact)}: sha256:${result.rootDigest} (${plural(resourceCount(result.manifest), 'resource')}, ${s.method}/${s.hashType}) signed by ${by}${result.claims ? ` (COSE_Sign1, issuer ${quoted(result.claims.issuer)}, subject ${quoted(result.claims.subject)})` : ''}`,
        ...(result.checked.part
          ? [`  this part hashed ${plural(result.checked.resources, 'resource')}${result.checked.resources === 0 ? ' (it is empty)' : ''}; the names and sizes of all were checked; the artifact is verified only when every part of the split passes`]
          : []),
      ],
    );
  }
  private async runPolicy(
    artifact: string,
    flags: { policy?: string; lineage?: boolean; attestations?: string[]; with?: string[]; name?: string; signature?: string; provenance?: string; eval?: string[] },
  ): Promise<void> {
    // The policy's evaluator checks files as their signature lists them: a caller's ignores would go unheeded.
    refuseFlags(this.argv, ['ignore-paths', 'ignore-unsigned-files', 'part', 'default-ignores'], 'cannot be used with --policy');
    const result = await verifyArtifact(artifact, {
      policy: flags.policy!,
      lineage: flags.lineage,
      attestations: flags.attestations,
      with: flags.with,
      name: flags.name,
      signature: flags.signature,
      provenance: flags.provenance,
      evals: flags.eval,
    });
    const graph = result.graph;
    const top = graph.nodes[0];
    const followed = top.followed;
    this.report(
      { ok: true, verified: true, trust: 'policy', policy: result.policy, lineageVerified: followed, ...graphJson(graph) },
      [
        `Verified ${displayText(artifact)}: sha256:${graph.digest} as ${quoted(graph.name)} (rule ${quoted(graph.rule)}), signed by ${[...new Set(top.signers.map((s) => s.signer))].join(', ')}${followed ? `; lineage verified (${graph.nodes.length} artifacts)` : ''}`,
        ...(followed ? renderLineageTree(graph).map((l) => `  ${l}`) : []),
      ],
    );
  }

  private async runOci(reference: string, flags: Parameters<typeof trustedSignersFromFlags>[0] & { policy?: string; name?: string; 'plain-http'?: boolean; 'registry-token'?: string }): Promise<void> {
    refuseFlags(this.argv, ['signature', 'ignore-paths', 'ignore-unsigned-files', 'default-ignores', 'part', 'threads', 'lineage', 'attestations', 'with', 'provenance', 'eval'], 'does not apply to an oci:// reference (use modelseal pull to check lineage on the pulled folder)');
    const policy = flags.policy ? loadPolicy(flags.policy) : undefined;
    const signers = policy ? undefined : trustedSignersFromFlags(flags);
    if (!policy && signers!.length === 0) {
      throw new ModelsealError('USAGE_ERROR', 'say whom to trust: --key FILE, --identity ID --issuer URL, --ca-roots FILE, or --policy FILE');
    }
    const r = await verifyOci(reference, { ...registryOptionsFrom(flags), ...(policy ? { policy } : { signers }), ...(flags.name !== undefined ? { name: flags.name } : {}) });
    const who = r.signer;
    const by = who.method === 'key' ? `${r.keyType} key ${r.keyHint.slice(0, 12)}…` : `${who.identity ?? '?'} (${who.method}${who.issuer ? `, issuer ${who.issuer}` : ''})`;
    this.report(
      {
        ok: true,
        verified: true,
        artifact: r.pinned,
        manifestDigest: r.manifestDigest,
        referrer: r.referrer,
        referrersVia: r.via,
        digest: `sha256:${r.rootDigest}`,
        subjectName: r.subjectName,
        predicateType: r.predicateType,
        method: policy ? 'policy' : who.method,
        ...(r.rule !== undefined ? { rule: r.rule } : {}),
        serialization: r.manifest.serialization.method,
        hashType: r.manifest.serialization.hashType,
        resources: resourceCount(r.manifest),
        keyType: r.keyType,
        keyHint: r.keyHint,
        ...(who.identity !== undefined ? { identity: who.identity } : {}),
        ...(who.issuer !== undefined ? { issuer: who.issuer } : {}),
      },
      `Verified ${r.pinned}: sha256:${r.rootDigest} (${plural(resourceCount(r.manifest), 'layer')} = the signed files, none downloaded) signed by ${by}${r.rule !== undefined ? ` (rule ${JSON.stringify(r.rule)})` : ''}`,
    );
  }
}
