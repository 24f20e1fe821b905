import { bundleToJSON, type Bundle } from '@sigstore/bundle';
import { DSSEBundleBuilder, FulcioSigner, MessageSignatureBundleBuilder, RekorWitness, TSAWitness, type Witness } from '@sigstore/sign';
import { ModelsealError } from '../errors';
import { checkIdentityToken } from './identity-token';

export const PUBLIC_GOOD_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const PUBLIC_GOOD_REKOR_URL = 'https://rekor.sigstore.dev';

export interface SigstoreSignOptions {
  /** The OIDC identity token Fulcio binds the short-lived certificate to. */
  identityToken: string;
  fulcioURL?: string;
  rekorURL?: string;
  /** An RFC 3161 timestamp authority; none by default (Rekor's integrated time is the signing time). */
  tsaURL?: string;
  /** Rekor API major version (1 = rekor.sigstore.dev, 2 = the tile-based logs). */
  rekorApiVersion?: 1 | 2;
  /** Seconds before a request to a Sigstore service is abandoned. */
  timeoutSeconds?: number;
}

function witnesses(options: SigstoreSignOptions, entryType: 'dsse' | undefined): Witness[] {
  const timeout = (options.timeoutSeconds ?? 60) * 1000;
  const list: Witness[] = [
    new RekorWitness({ rekorBaseURL: options.rekorURL ?? PUBLIC_GOOD_REKOR_URL, entryType, majorApiVersion: options.rekorApiVersion ?? 1, timeout, retry: 2 }),
  ];
  if (options.tsaURL) list.push(new TSAWitness({ tsaBaseURL: options.tsaURL, timeout, retry: 2 }));
  return list;
}

function signer(options: SigstoreSignOptions): FulcioSigner {
  const token = options.identityToken;
  checkIdentityToken(token);
  return new FulcioSigner({
    fulcioBaseURL: options.fulcioURL ?? PUBLIC_GOOD_FULCIO_URL,
    identityProvider: { getToken: async () => token },
    timeout: (options.timeoutSeconds ?? 60) * 1000,
    retry: 2,
  });
}

function serviceError(err: unknown): ModelsealError {
  if (err instanceof ModelsealError) return err;
  const e = err as Error & { code?: string; cause?: Error };
  // @sigstore/sign quotes the identity token in some errors: never print a credential, and keep it one bounded line.
  const detail = ([e?.message, e?.cause?.message].filter(Boolean).join(': ') || String(err))
    .replace(/[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '<token>')
    .replace(/\s+/g, ' ')
    .slice(0, 300);
  return new ModelsealError('SERVICE_ERROR', `keyless signing failed: ${detail}`, { cause: err });
}

/**
 * Keyless-signs a DSSE payload: an ephemeral P-256 key, a Fulcio certificate for the
 * token's identity, a Rekor `dsse` entry and an optional TSA timestamp. The result
 * is a v0.3 bundle with a single certificate, as model_signing's sigstore method writes.
 */
export async function sigstoreSignPayload(payload: Buffer, payloadType: string, options: SigstoreSignOptions): Promise<Record<string, unknown>> {
  let bundle: Bundle;
  try {
    bundle = await new DSSEBundleBuilder({ signer: signer(options), witnesses: witnesses(options, 'dsse') }).create({ data: payload, type: payloadType });
  } catch (err) {
    throw serviceError(err);
  }
  return bundleToJSON(bundle) as unknown as Record<string, unknown>;
}

/** Keyless-signs raw bytes as a message signature (hashedrekord), for the conformance `sign-bundle`. */
export async function sigstoreSignMessage(data: Buffer, options: SigstoreSignOptions): Promise<Record<string, unknown>> {
  let bundle: Bundle;
  try {
    bundle = await new MessageSignatureBundleBuilder({ signer: signer(options), witnesses: witnesses(options, undefined) }).create({ data });
  } catch (err) {
    throw serviceError(err);
  }
  return bundleToJSON(bundle) as unknown as Record<string, unknown>;
}
