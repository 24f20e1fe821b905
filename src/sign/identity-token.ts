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
