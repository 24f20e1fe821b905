import * as fs from 'node:fs';
import { ModelsealError } from '../errors';
import { readBoundedFile, parseJson } from '../envelope/read-json';
import { sigstoreSignMessage, sigstoreSignPayload, type SigstoreSignOptions } from '../sign/sigstore-signer';
import { writeFileAtomic } from '../util/atomic-write';

export interface SignBundleRequest {
  identityToken: string;
  bundle: string;
  input: string;
  inToto?: boolean;
  staging?: boolean;
  signingConfig?: string;
  /** Overrides for tests and private instances (the protocol itself passes a signing config). */
  services?: Pick<SigstoreSignOptions, 'fulcioURL' | 'rekorURL' | 'tsaURL' | 'rekorApiVersion'>;
}

const STAGING = { fulcioURL: 'https://fulcio.sigstage.dev', rekorURL: 'https://rekor.sigstage.dev' };

type ServiceList = Array<{ url?: string; majorApiVersion?: number }>;

/** Reads the service URLs from a Sigstore SigningConfig (v0.2) document: the first of each kind. */
export function servicesFromSigningConfig(file: string): SignBundleRequest['services'] {
  const json = parseJson(readBoundedFile(file, 1024 * 1024), file, 'USAGE_ERROR', 'the signing config') as Record<string, unknown>;
  const first = (k: string): { url?: string; majorApiVersion?: number } | undefined => {
    const list = json?.[k] as ServiceList | undefined;
    return Array.isArray(list) ? list.find((s) => typeof s?.url === 'string') : undefined;
  };
  const rekor = first('rekorTlogUrls');
  return {
    fulcioURL: first('caUrls')?.url,
    rekorURL: rekor?.url,
    rekorApiVersion: rekor?.majorApiVersion === 2 ? 2 : 1,
    tsaURL: first('tsaUrls')?.url,
  };
}

/** sigstore-conformance `sign-bundle`: keyless-signs a file (or an in-toto statement) and writes the bundle. */
export async function conformanceSignBundle(req: SignBundleRequest): Promise<void> {
  if (!fs.existsSync(req.input)) throw new ModelsealError('PATH_NOT_FOUND', 'no such file', { file: req.input });
  const services = req.services ?? (req.signingConfig ? servicesFromSigningConfig(req.signingConfig) : req.staging ? STAGING : {});
  const options: SigstoreSignOptions = { identityToken: req.identityToken, ...services };
  const data = readBoundedFile(req.input, 512 * 1024 * 1024);
  const bundle = req.inToto ? await sigstoreSignPayload(data, 'application/vnd.in-toto+json', options) : await sigstoreSignMessage(data, options);
  writeFileAtomic(req.bundle, JSON.stringify(bundle), { force: true });
}
