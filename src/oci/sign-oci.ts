import { buildOmsStatement, OMS_PREDICATE_TYPE } from '../statement/oms';
import { signStatement, type SignOptions, type SignResult } from '../sign/sign-artifact';
import { openModel, type RegistryOptions } from './open-model';
import { repositoryBaseName } from './reference';
import { attachBundle } from './referrers';

export type OciSignOptions = Pick<SignOptions, 'key' | 'certificate' | 'sigstore'> & RegistryOptions;

export interface OciSignResult extends Omit<SignResult, 'signature' | 'format'> {
  /** The model manifest signed, pinned by digest. */
  pinned: string;
  manifestDigest: string;
  /** The referrer manifest holding the bundle. */
  referrer: string;
  via: 'api' | 'tag';
}

/**
 * Signs a model in a registry without downloading it: the files-method OMS statement is
 * built from the layer titles and digests (each raw layer's digest is its file's sha256),
 * signed, and attached to the model manifest as an OCI 1.1 referrer.
 */
export async function signOci(reference: string, options: OciSignOptions): Promise<OciSignResult> {
  const opened = await openModel(reference, options);
  const statement = buildOmsStatement(opened.model.manifest, repositoryBaseName(opened.ref));
  const { bundle, ...signer } = await signStatement(statement, { key: options.key, certificate: options.certificate, sigstore: options.sigstore, format: 'bundle' });
  const attached = await attachBundle(opened.client, opened.descriptor, Buffer.from(bundle), OMS_PREDICATE_TYPE);
  return {
    artifact: opened.pinned,
    pinned: opened.pinned,
    manifestDigest: opened.descriptor.digest,
    rootDigest: opened.model.manifest.rootDigest,
    manifest: opened.model.manifest,
    referrer: attached.digest,
    via: attached.via,
    ...signer,
  };
}
