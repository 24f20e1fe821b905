import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { ociFlags, registryOptionsFrom } from '../cli/oci-flags';
import { attachOci } from '../api/oci';

export default class Attach extends BaseCommand {
  static override summary = 'Attach a signature or attestation made on disk (model.sig, provenance.sig, eval.sig) to a model in an OCI registry, as an OCI 1.1 referrer.';
  static override description =
    'The bundle\'s statement must be about this model: a model signature must list exactly its layers (names and digests), an attestation ' +
    'must have the layers\' OMS root digest as subject. Trust is not judged here: `verify oci://…` and `pull` do that.';
  static override examples = [
    '<%= config.bin %> attach oci://registry.example.com/models/llama-ft:v1 ./llama-ft/model.sig',
    '<%= config.bin %> attach oci://registry.example.com/models/llama-ft:v1 ./llama-ft/provenance.sig',
  ];
  static override args = {
    reference: Args.string({ description: 'oci://HOST/REPO:TAG or oci://HOST/REPO@sha256:DIGEST', required: true }),
    bundle: Args.string({ description: 'The signed bundle file to attach.', required: true }),
  };
  static override flags = { ...ociFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Attach);
    const r = await attachOci(args.reference, args.bundle, registryOptionsFrom(flags));
    this.report(
      { ok: true, artifact: r.pinned, manifestDigest: r.manifestDigest, referrer: r.referrer, attachedVia: r.via, predicateType: r.predicateType, digest: `sha256:${r.rootDigest}` },
      `Attached ${args.bundle} (${r.predicateType}) to ${r.pinned} -> referrer ${r.referrer} (${r.via === 'api' ? 'referrers API' : `tag ${r.manifestDigest.replace(':', '-')}`})`,
    );
  }
}
