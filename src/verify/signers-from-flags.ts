import { ModelsealError } from '../errors';
import type { TrustedSigner } from './trusted-signer';

export interface TrustFlags {
  key?: string[];
  identity?: string;
  'identity-regexp'?: string;
  issuer?: string;
  /** cosign's --certificate-oidc-issuer-regexp: the issuer as a whole-value regular expression. */
  'issuer-regexp'?: string;
  'trusted-root'?: string;
  'ca-roots'?: string[];
  'ca-intermediates'?: string[];
  'certificate-validity'?: string;
}

/** Builds the trusted-signer list from verify's flags (shared by commands that verify). */
export function trustedSignersFromFlags(flags: TrustFlags): TrustedSigner[] {
  const signers: TrustedSigner[] = (flags.key ?? []).map((key) => ({ kind: 'key' as const, key }));
  const pattern = flags['identity-regexp'];
  let issuer: string | RegExp | undefined = flags.issuer;
  if (flags['issuer-regexp'] !== undefined) {
    if (flags.issuer !== undefined) throw new ModelsealError('USAGE_ERROR', 'give --issuer or --issuer-regexp, not both');
    try {
      issuer = new RegExp(flags['issuer-regexp'], 'u');
    } catch (err) {
      throw new ModelsealError('USAGE_ERROR', `--issuer-regexp is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  if (flags.identity !== undefined || pattern !== undefined) {
    if (!issuer) throw new ModelsealError('USAGE_ERROR', '--identity needs --issuer (the OIDC issuer the identity must come from)');
    let identity: string | RegExp = flags.identity as string;
    if (pattern !== undefined) {
      try {
        identity = new RegExp(pattern, 'u');
      } catch (err) {
        throw new ModelsealError('USAGE_ERROR', `--identity-regexp is not a valid regular expression: ${(err as Error).message}`);
      }
    }
    signers.push({ kind: 'sigstore', identity, issuer, trustedRoot: flags['trusted-root'] });
  } else if (issuer) {
    throw new ModelsealError('USAGE_ERROR', '--issuer needs --identity or --identity-regexp');
  } else if (flags['trusted-root']) {
    throw new ModelsealError('USAGE_ERROR', '--trusted-root needs --identity and --issuer');
  }
  if (flags['ca-roots'] && flags['ca-roots'].length > 0) {
    signers.push({ kind: 'ca', roots: flags['ca-roots'], intermediates: flags['ca-intermediates'], ...(flags['certificate-validity'] === 'not-before' ? { validAtNotBefore: true } : {}) });
  } else if (flags['certificate-validity'] !== undefined) {
    throw new ModelsealError('USAGE_ERROR', '--certificate-validity needs --ca-roots');
  }
  return signers;
}
