import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { ModelsealError } from '../errors';
import type { InteractiveLoginOptions } from './oauth-login';

/**
 * The OIDC identity token for keyless signing. Sources, in this order (docs/keys.md):
 *  1. the caller (--identity-token)
 *  2. SIGSTORE_ID_TOKEN (GitLab CI's convention: `id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore`)
 *  3. GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, `permissions: id-token: write`)
 *  4. Buildkite (BUILDKITE=true: `buildkite-agent oidc request-token --audience sigstore`)
 *  5. CircleCI (CIRCLE_OIDC_TOKEN_V2)
 *  6. a Kubernetes projected service-account token file ($MODELSEAL_OIDC_TOKEN_FILE, else
 *     /var/run/sigstore/cosign/oidc-token, cosign's mount point, when it exists)
 *  7. the Google Cloud metadata server, only when asked for ($GCE_METADATA_HOST, or
 *     MODELSEAL_GCP_METADATA=1): never probed by guessing, so no stray request leaves a machine
 * The first source present answers; a present source that fails is an error, not a fall-through.
 */

export type TokenSource = 'flag' | 'SIGSTORE_ID_TOKEN' | 'github-actions' | 'buildkite' | 'circleci' | 'kubernetes' | 'gcp-metadata' | 'interactive';

export interface IdentityToken {
  token: string;
  source: TokenSource;
}

export const DEFAULT_K8S_TOKEN_FILE = '/var/run/sigstore/cosign/oidc-token';
const MAX_TOKEN = 64 * 1024;
const AMBIENT_TIMEOUT_MS = 30_000;

function checked(raw: string, source: TokenSource): IdentityToken {
  const token = raw.trim();
  if (token === '' || token.length > MAX_TOKEN || /[\s\u0000-\u001f]/.test(token)) {
    throw new ModelsealError('SERVICE_ERROR', `the OIDC token from ${source} is empty, too long or not one line`);
  }
  return { token, source };
}

async function githubActions(): Promise<IdentityToken> {
  try {
    // Loaded only here: a plain sign or verify never loads the Sigstore signing code.
    const { CIContextProvider } = require('@sigstore/sign') as typeof import('@sigstore/sign');
    return checked(await new CIContextProvider('sigstore').getToken(), 'github-actions');
  } catch (err) {
    if (err instanceof ModelsealError) throw err;
    throw new ModelsealError('SERVICE_ERROR', `could not get an OIDC token from GitHub Actions: ${String((err as Error)?.message ?? err).slice(0, 200)}`, { cause: err });
  }
}

function buildkite(env: NodeJS.ProcessEnv): IdentityToken {
  const r = spawnSync('buildkite-agent', ['oidc', 'request-token', '--audience', 'sigstore'], { env, encoding: 'utf8', timeout: AMBIENT_TIMEOUT_MS, maxBuffer: MAX_TOKEN, killSignal: 'SIGKILL' });
  if (r.error || r.status !== 0) {
    const why = r.error ? ((r.error as Error & { code?: string }).code ?? r.error.message) : `exit status ${r.status}`;
    throw new ModelsealError('SERVICE_ERROR', `could not get an OIDC token from Buildkite (buildkite-agent oidc request-token: ${why})`);
  }
  return checked(r.stdout, 'buildkite');
}

function tokenFile(file: string): IdentityToken {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new ModelsealError('SERVICE_ERROR', 'the OIDC token file cannot be read', { file });
  }
  if (!st.isFile() || st.size > MAX_TOKEN) throw new ModelsealError('SERVICE_ERROR', 'the OIDC token file is not a regular file of at most 64 KiB', { file });
  return checked(fs.readFileSync(file, 'utf8'), 'kubernetes');
}

async function gcpMetadata(env: NodeJS.ProcessEnv): Promise<IdentityToken> {
  const host = env.GCE_METADATA_HOST || 'metadata.google.internal';
  const url = `http://${host}/computeMetadata/v1/instance/service-accounts/default/identity?audience=sigstore&format=full`;
  try {
    const res = await fetch(url, { headers: { 'Metadata-Flavor': 'Google' }, signal: AbortSignal.timeout(AMBIENT_TIMEOUT_MS), redirect: 'error' });
    const body = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    if (body.length > MAX_TOKEN) throw new Error('answer too long');
    return checked(body, 'gcp-metadata');
  } catch (err) {
    if (err instanceof ModelsealError) throw err;
    throw new ModelsealError('SERVICE_ERROR', `could not get an OIDC token from the Google Cloud metadata server (${String((err as Error)?.message ?? err).slice(0, 200)})`, { cause: err });
  }
}

/** The ambient token of the environment, or undefined when no source is present. */
export async function detectIdentityToken(env: NodeJS.ProcessEnv = process.env, options: { k8sTokenFile?: string } = {}): Promise<IdentityToken | undefined> {
  if (env.SIGSTORE_ID_TOKEN) return checked(env.SIGSTORE_ID_TOKEN, 'SIGSTORE_ID_TOKEN');
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) return githubActions();
  if (env.BUILDKITE === 'true') return buildkite(env);
  if (env.CIRCLE_OIDC_TOKEN_V2) return checked(env.CIRCLE_OIDC_TOKEN_V2, 'circleci');
  if (env.MODELSEAL_OIDC_TOKEN_FILE) return tokenFile(env.MODELSEAL_OIDC_TOKEN_FILE);
  const k8s = options.k8sTokenFile ?? DEFAULT_K8S_TOKEN_FILE;
  if (fs.existsSync(k8s)) return tokenFile(k8s);
  if (env.GCE_METADATA_HOST || env.MODELSEAL_GCP_METADATA === '1') return gcpMetadata(env);
  return undefined;
}

export const NO_TOKEN_HELP =
  'keyless signing needs an OIDC identity token: pass --identity-token, set SIGSTORE_ID_TOKEN, run in a CI with OIDC (GitHub Actions `id-token: write`, GitLab, Buildkite, CircleCI) or sign on a terminal to log in through the browser (docs/keys.md)';

/** The explicit token, else the ambient one (see the order above). */
export async function resolveIdentityToken(explicit?: string, env: NodeJS.ProcessEnv = process.env, options: { k8sTokenFile?: string } = {}): Promise<string> {
  if (explicit) return checked(explicit, 'flag').token;
  const found = await detectIdentityToken(env, options);
  if (found) return found.token;
  throw new ModelsealError('USAGE_ERROR', NO_TOKEN_HELP);
}

export interface ObtainTokenOptions {
  explicit?: string;
  env?: NodeJS.ProcessEnv;
  k8sTokenFile?: string;
  /** Browser login settings; `forceOob` (or `force`) skips the ambient sources. */
  interactive?: InteractiveLoginOptions & { force?: boolean };
  /** Whether a person is at a terminal (default: stdin and stderr are TTYs). */
  isTTY?: boolean;
}

/**
 * The token for `sign --sigstore`: explicit, else ambient (CI, cloud), else, for a person
 * at a terminal, the interactive browser login (8th and last in the order).
 */
export async function obtainIdentityToken(options: ObtainTokenOptions = {}): Promise<IdentityToken> {
  if (options.explicit) return checked(options.explicit, 'flag');
  const interactive = options.interactive ?? {};
  const forced = interactive.force === true || interactive.forceOob === true;
  if (!forced) {
    const found = await detectIdentityToken(options.env ?? process.env, { k8sTokenFile: options.k8sTokenFile });
    if (found) return found;
  }
  const tty = options.isTTY ?? (process.stdin.isTTY === true && process.stderr.isTTY === true);
  if (!forced && !tty) throw new ModelsealError('USAGE_ERROR', NO_TOKEN_HELP);
  // Loaded only for a login: openid-client is not needed otherwise.
  const { interactiveIdentityToken } = require('./oauth-login') as typeof import('./oauth-login');
  return checked(await interactiveIdentityToken(interactive), 'interactive');
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
