/** A trusted certificate identity: exact strings, or regular expressions that must match the whole value. */
export type Matcher = string | RegExp;

export interface IdentityMatcher {
  /** The certificate's subject alternative name (e-mail, URI of a CI workflow, ...). */
  identity: Matcher;
  /** The OIDC issuer recorded by Fulcio in the certificate. */
  issuer: Matcher;
}

function anchored(re: RegExp): RegExp {
  return new RegExp(`^(?:${re.source})$`, re.flags.replace(/[gy]/g, ''));
}

export function matches(m: Matcher, value: string | undefined): boolean {
  if (value === undefined) return false;
  return typeof m === 'string' ? m === value : anchored(m).test(value);
}

export function describeMatcher(m: Matcher): string {
  return typeof m === 'string' ? JSON.stringify(m) : `/${m.source}/ (whole value)`;
}
