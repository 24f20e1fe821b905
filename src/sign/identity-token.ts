import { ModelsealError } from '../errors';

/**
 * The OIDC identity token for keyless signing, from (in order) the caller, the
 * SIGSTORE_ID_TOKEN variable, or GitHub Actions' ambient OIDC credentials
 * (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, workflow permission `id-token: write`).
 */
export async function resolveIdentityToken(explicit?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (explicit) return explicit.trim();
  if (env.SIGSTORE_ID_TOKEN) return env.SIGSTORE_ID_TOKEN.trim();
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    try {
      // Loaded only here: a plain sign or verify never loads the Sigstore signing code.
      const { CIContextProvider } = require('@sigstore/sign') as typeof import('@sigstore/sign');
      const token = await new CIContextProvider('sigstore').getToken();
      if (token) return token;
    } catch (err) {
      throw new ModelsealError('SERVICE_ERROR', `could not get an OIDC token from GitHub Actions: ${String((err as Error)?.message ?? err)}`, { cause: err });
    }
  }
  throw new ModelsealError('USAGE_ERROR', 'keyless signing needs an OIDC identity token: pass --identity-token, set SIGSTORE_ID_TOKEN, or run in GitHub Actions with `permissions: id-token: write`');
}

/** The identity a token claims (for messages only; Fulcio decides what goes in the certificate). */
export function tokenClaims(token: string): { email?: string; sub?: string; iss?: string } {
  try {
    const body = token.split('.')[1] ?? '';
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

/**
 * Refuses what cannot be an OIDC identity token before it goes to Fulcio, with a reason that
 * never repeats the token (a credential) and does not grow with it: a JWT is three base64url
 * parts (the third may be empty for an unsigned test token), a JSON header, and claims with
 * an issuer and a subject (`sub` or `email`), which is what the certificate is issued for.
 */
export function checkIdentityToken(token: string): void {
  const fail = (why: string) => new ModelsealError('USAGE_ERROR', `the OIDC identity token is not a usable JWT: ${why}`);
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p, i) => (i === 2 ? /^[A-Za-z0-9_-]*$/ : /^[A-Za-z0-9_-]+$/).test(p))) {
    throw fail('a JWT is three base64url parts separated by dots');
  }
  const json = (part: string): unknown => {
    try {
      return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
  };
  const header = json(parts[0]);
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw fail('its header is not a JSON object');
  const claims = json(parts[1]) as Record<string, unknown> | undefined;
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw fail('its claims are not a JSON object');
  if (typeof claims.iss !== 'string' || claims.iss === '') throw fail('it has no issuer (iss) claim');
  if ((typeof claims.sub !== 'string' || claims.sub === '') && (typeof claims.email !== 'string' || claims.email === '')) {
    throw fail('it has no subject (sub or email) claim');
  }
}
