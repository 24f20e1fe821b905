import { ModelsealError } from '../errors';
import { parseBundle } from '../envelope/bundle';
import { maxBundleBytes, parseJson, readBoundedFile } from '../envelope/read-json';
import { parseOmsStatement, readStatementCollecting } from '../statement/oms';
import { checkLayersMatchSigned } from './match-layers';
import { openModel, type RegistryOptions } from './open-model';
import { attachBundle } from './referrers';

const OMS_V1 = /^https:\/\/model_signing\/signature\/v1\.\d+$/;

export interface OciAttachResult {
  pinned: string;
  manifestDigest: string;
  referrer: string;
  via: 'api' | 'tag';
  predicateType: string;
  /** The OMS root digest of the layers, which the attached statement is about. */
  rootDigest: string;
}

/**
 * Attaches a signed bundle made on disk (model.sig, provenance.sig, eval.sig) to a model
 * manifest as an OCI 1.1 referrer. Its statement must be about this model: the subject
 * digest is the layers' OMS root digest, and a model signature must list exactly the
 * layers. The signature is not judged here (no trust is given); verify and pull do that.
 */
export async function attachOci(reference: string, bundleFile: string, options: RegistryOptions): Promise<OciAttachResult> {
  const bytes = readBoundedFile(bundleFile, maxBundleBytes(), { notFound: 'SIGNATURE_NOT_FOUND', tooLarge: 'BUNDLE_INVALID' });
  const bundle = parseBundle(parseJson(bytes, bundleFile, 'BUNDLE_INVALID', 'the signature file'), bundleFile);
  // Read as verify reads it: the resources packed as they are parsed.
  const { statement, collector } = readStatementCollecting(bundle.envelope.payload, bundleFile);
  const opened = await openModel(reference, options);
  const root = opened.model.manifest.rootDigest;
  if (OMS_V1.test(statement.predicateType)) {
    const oms = parseOmsStatement(statement, bundleFile, collector);
    checkLayersMatchSigned(oms.manifest, opened.model.manifest, opened.pinned);
  } else if (!statement.subject.some((s) => s.digest?.sha256 === root)) {
    throw new ModelsealError('SUBJECT_MISMATCH', `is about another artifact: no subject has the sha256 ${root} of ${opened.pinned}`, { file: bundleFile });
  }
  const attached = await attachBundle(opened.client, opened.descriptor, bytes, statement.predicateType);
  return { pinned: opened.pinned, manifestDigest: opened.descriptor.digest, referrer: attached.digest, via: attached.via, predicateType: statement.predicateType, rootDigest: root };
}

