import * as Flags from '@oclif/core/flags';
import { ModelsealError } from '../api/errors';
import { checkIdentityToken, obtainIdentityToken } from '../api/sign';
import { trustConfigFromFlags } from './internal';
import { signingKeyFromFlags, type SigningKeyFlags } from './key-flags';

/**
 * The one place commands that sign (sign, release create/sign) define and read how
 * they sign: a key, a key with its certificate chain, or Sigstore keyless (an identity
 * token, Fulcio, Rekor, a TSA; or a ClientTrustConfig / the staging instance).
 */

export const certificateFlags = {
  certificate: Flags.string({ description: 'PEM X.509 certificate of --key (certificate method); written into the bundle.', dependsOn: ['key'] }),
  'certificate-chain': Flags.string({ description: 'PEM intermediate certificate(s) towards the root, written after the signing certificate (repeatable).', multiple: true, dependsOn: ['certificate'] }),
};

export const keylessFlags = {
  sigstore: Flags.boolean({ description: 'Sign keyless with Sigstore (Fulcio certificate + Rekor transparency log).', exclusive: ['key'] }),
  'identity-token': Flags.string({ description: 'OIDC identity token for --sigstore (default: the CI or cloud environment, else a browser login on a terminal).', exclusive: ['key'] }),
  'oidc-issuer': Flags.string({ description: 'OIDC issuer for the interactive --sigstore login (default https://oauth2.sigstore.dev/auth).', exclusive: ['key'] }),
  'client-id': Flags.string({ description: 'OAuth client id for the interactive --sigstore login (default sigstore).', exclusive: ['key'] }),
  'client-secret': Flags.string({ description: 'OAuth client secret for the interactive --sigstore login (the public Sigstore client has none).', exclusive: ['key'] }),
  'oauth-force-oob': Flags.boolean({ description: 'Interactive --sigstore login without a browser redirect: print the URL, then read the code you paste.', exclusive: ['key'] }),
  'fulcio-url': Flags.string({ description: 'Fulcio CA URL for --sigstore (default https://fulcio.sigstore.dev).', exclusive: ['key', 'trust-config', 'use-staging'] }),
  'rekor-url': Flags.string({ description: 'Rekor transparency log URL for --sigstore (default https://rekor.sigstore.dev).', exclusive: ['key', 'trust-config', 'use-staging'] }),
  'tsa-url': Flags.string({ description: 'RFC 3161 timestamp authority URL for --sigstore (none by default).', exclusive: ['key', 'trust-config', 'use-staging'] }),
  'trust-config': Flags.string({ description: 'Sigstore ClientTrustConfig JSON (trusted root + signing config) of a private instance: its Fulcio, Rekor and TSA are used.', exclusive: ['key', 'use-staging'] }),
  'use-staging': Flags.boolean({ description: "Sign with Sigstore's staging instance (test-only signatures).", exclusive: ['key', 'trust-config'] }),
};

export interface SignerFlags extends SigningKeyFlags {
  certificate?: string;
  'certificate-chain'?: string[];
  'identity-token'?: string;
  'oidc-issuer'?: string;
  'client-id'?: string;
  'client-secret'?: string;
  'oauth-force-oob'?: boolean;
  'fulcio-url'?: string;
  'rekor-url'?: string;
  'tsa-url'?: string;
  'trust-config'?: string;
  'use-staging'?: boolean;
}

/** Resolves the signer: `keyless` says to sign keyless (sign: no --key; release: --sigstore). */
export async function signerFromFlags(flags: SignerFlags, keyless: boolean) {
  if (flags.certificate && !flags.key) throw new ModelsealError('USAGE_ERROR', '--certificate needs --key (the private key of the certificate)');
  const key = keyless ? undefined : signingKeyFromFlags(flags);
  const certificate = !keyless && flags.certificate ? { certificate: flags.certificate, chain: flags['certificate-chain'] } : undefined;
  if (!keyless) return { key, certificate, sigstore: undefined, trust: undefined };
  const trust = trustConfigFromFlags(flags);
  // Ambient credentials first; a person at a terminal then logs in through the browser.
  const { token } = await obtainIdentityToken({
    explicit: flags['identity-token'],
    interactive: { issuer: flags['oidc-issuer'], clientId: flags['client-id'], clientSecret: flags['client-secret'], forceOob: flags['oauth-force-oob'] },
  });
  checkIdentityToken(token); // before hashing and before any call to a Sigstore service
  const sigstore = {
    identityToken: token,
    ...(trust
      ? { fulcioURL: trust.fulcioURL, rekorURL: trust.rekorURL, rekorApiVersion: trust.rekorApiVersion, tsaURL: trust.tsaURL }
      : { fulcioURL: flags['fulcio-url'], rekorURL: flags['rekor-url'], tsaURL: flags['tsa-url'] }),
  };
  return { key, certificate, sigstore, trust };
}

/** The signer of `release create` and `release sign`: --key [--certificate], or --sigstore. */
export async function releaseSigner(flags: SignerFlags & { sigstore?: boolean }) {
  if (!flags.key && !flags.sigstore) throw new ModelsealError('USAGE_ERROR', 'say who signs the record: --key KEY [--certificate PEM], or --sigstore (see --help)');
  const { key, certificate, sigstore } = await signerFromFlags(flags, !flags.key);
  return { key, certificate, sigstore };
}

/** The --json fields of who signed. */
export function signedByJson(result: { method: string; keyType: string; keyHint: string; identity?: string; logIndex?: string }) {
  return {
    signingMethod: result.method,
    keyType: result.keyType,
    keyHint: result.keyHint,
    ...(result.identity !== undefined ? { identity: result.identity } : {}),
    ...(result.logIndex !== undefined ? { logIndex: result.logIndex } : {}),
  };
}

/** "keyless as …", "certificate … (… key …)" or "… key …": how a signature was made, for one output line. */
export function signedByText(result: { method: 'key' | 'certificate' | 'sigstore'; keyType: string; keyHint: string; identity?: string; logIndex?: string }): string {
  return result.method === 'sigstore'
    ? `keyless as ${result.identity ?? '?'} (Rekor log index ${result.logIndex ?? '?'})`
    : result.method === 'certificate'
      ? `certificate ${result.identity} (${result.keyType} key ${result.keyHint.slice(0, 12)}…)`
      : `${result.keyType} key ${result.keyHint.slice(0, 12)}…`;
}
