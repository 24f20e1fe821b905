import { Args, Flags } from '@oclif/core';
import { resourceCount } from '../api/digest';
import { BaseCommand } from '../cli/base-command';
import { plural } from '../cli/format';
import { ociFlags, registryOptionsFrom } from '../cli/oci-flags';
import { ModelsealError } from '../api/errors';
import { loadPolicy } from '../api/policy';
import { pullOci } from '../api/oci';
import { trustedSignersFromFlags } from '../cli/internal';
import Verify from './verify';

const trust = Verify.flags;

export default class Pull extends BaseCommand {
  static override summary = 'Verify a model in an OCI registry, then download it into DIR: DIR either stays as it was or holds a verified model with its model.sig.';
  static override description =
    'Verifies the signature attached to the model manifest and that its layers are exactly the signed files, before any layer is downloaded. ' +
    'Each layer is then streamed into a temporary folder beside DIR and hashed as it arrives (more bytes than the manifest says, a short blob ' +
    'or a wrong digest stop the pull); the verified bundle is written as model.sig, the folder is verified like `modelseal verify DIR` ' +
    '(with --policy: the rule, and the lineage when it requires it) and only then moved into place.';
  static override examples = [
    '<%= config.bin %> pull oci://registry.example.com/models/llama-ft:v1 ./models/llama-ft --key keys/publisher.pub',
    '<%= config.bin %> pull oci://registry.example.com/models/llama-ft@sha256:… /models/llama-ft --policy /etc/modelseal/policy.yaml',
  ];
  static override args = {
    reference: Args.string({ description: 'oci://HOST/REPO:TAG or oci://HOST/REPO@sha256:DIGEST', required: true }),
    dir: Args.string({ description: 'The folder to create (or replace, with --force).', required: true }),
  };
  static override flags = {
    key: trust.key,
    identity: trust.identity,
    'identity-regexp': trust['identity-regexp'],
    issuer: trust.issuer,
    'trusted-root': trust['trusted-root'],
    'ca-roots': trust['ca-roots'],
    'ca-intermediates': trust['ca-intermediates'],
    policy: trust.policy,
    name: Flags.string({ description: 'With --policy: the name that selects the rule (default: the base name of DIR).', dependsOn: ['policy'] }),
    lineage: Flags.boolean({ description: 'With --policy: verify the lineage of the pulled model even if the rule does not require it.', dependsOn: ['policy'] }),
    attestations: Flags.string({ description: 'With --policy: folder of attestation bundles for the lineage check (repeatable).', multiple: true, dependsOn: ['policy'] }),
    force: Flags.boolean({ description: 'Replace DIR if it exists and is not empty (swapped atomically, only after verification).' }),
    ...ociFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Pull);
    const policy = flags.policy ? loadPolicy(flags.policy) : undefined;
    const signers = policy ? undefined : trustedSignersFromFlags(flags);
    if (!policy && signers!.length === 0) {
      throw new ModelsealError('USAGE_ERROR', 'say whom to trust: --key FILE, --identity ID --issuer URL, --ca-roots FILE, or --policy FILE');
    }
    const quiet = flags.json || flags.quiet;
    const r = await pullOci(args.reference, args.dir, {
      ...registryOptionsFrom(flags),
      ...(policy ? { policy, lineage: flags.lineage, attestations: flags.attestations } : { signers }),
      ...(flags.name !== undefined ? { name: flags.name } : {}),
      force: flags.force,
      onLayer: quiet ? undefined : (f, i, n) => process.stderr.write(`pulling ${i + 1}/${n} ${JSON.stringify(f.name)} (${f.layer.size} bytes)\n`),
    });
    const v = r.verified;
    this.report(
      {
        ok: true,
        verified: true,
        artifact: v.pinned,
        manifestDigest: v.manifestDigest,
        referrer: v.referrer,
        dir: r.dir,
        signature: r.signature,
        digest: `sha256:${v.rootDigest}`,
        resources: resourceCount(v.manifest),
        bytes: r.bytes,
        method: policy ? 'policy' : v.signer.method,
        keyType: v.keyType,
        keyHint: v.keyHint,
        ...(r.graph ? { rule: r.graph.rule, name: r.graph.name, lineageVerified: r.graph.nodes[0]?.followed ?? false } : {}),
      },
      `Pulled ${v.pinned} into ${r.dir}: sha256:${v.rootDigest} (${plural(resourceCount(v.manifest), 'file')}, ${r.bytes} bytes), verified before and after download; signature ${r.signature}`,
    );
  }
}
