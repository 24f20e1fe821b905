import { spawn } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as readline from 'node:readline';
import { ModelsealError } from '../errors';

/**
 * Interactive keyless login, as sigstore-python and cosign do it: OAuth 2.0
 * authorization code + PKCE (S256) against the Sigstore OIDC issuer, with the
 * redirect caught on a loopback listener (RFC 8252), or, with forceOob, the
 * out-of-band redirect whose code the user types. openid-client does discovery,
 * the state / nonce / PKCE checks and the ID token validation.
 */

export const SIGSTORE_OAUTH_ISSUER = 'https://oauth2.sigstore.dev/auth';
export const SIGSTORE_CLIENT_ID = 'sigstore';
const OOB_REDIRECT = 'urn:ietf:wg:oauth:2.0:oob';
const CALLBACK_PATH = '/auth/callback';

export interface InteractiveLoginOptions {
  issuer?: string;
  clientId?: string;
  clientSecret?: string;
  /** Print the URL and read the code from `input` instead of a loopback redirect. */
  forceOob?: boolean;
  /** Opens the authorization URL (default: the system's browser opener). */
  openBrowser?: (url: string) => void | Promise<void>;
  /** Where the URL and prompts go (default stderr). */
  output?: NodeJS.WritableStream;
  /** Where the out-of-band code is read from (default stdin). */
  input?: NodeJS.ReadableStream;
  /** Seconds the whole login may take (default 300). */
  timeoutSeconds?: number;
}

type OpenId = typeof import('openid-client');

function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

function loginError(err: unknown): ModelsealError {
  if (err instanceof ModelsealError) return err;
  const e = err as Error & { code?: string; error?: string; error_description?: string };
  const detail = [e?.error, e?.error_description ?? e?.message].filter(Boolean).join(': ').slice(0, 200);
  return new ModelsealError('SERVICE_ERROR', `the OIDC login failed: ${detail || String(err).slice(0, 200)}`, { cause: err });
}

export function systemBrowserOpener(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined); // no opener: the printed URL is the way
    child.unref();
  } catch {
    // the printed URL is the way
  }
}

function withTimeout<T>(p: Promise<T>, seconds: number, cleanup: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ModelsealError('SERVICE_ERROR', `the OIDC login did not complete within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([p, t]).finally(() => {
    clearTimeout(timer);
    cleanup();
  });
}

async function readCode(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<string> {
  const rl = readline.createInterface({ input, output, terminal: false });
  try {
    output.write('Enter the verification code: ');
    const line = await new Promise<string>((resolve, reject) => {
      const none = () => reject(new ModelsealError('USAGE_ERROR', 'no verification code was entered'));
      rl.once('line', resolve);
      rl.once('close', none);
      // Input that ended before readline was listening never emits 'close': the wait would hang
      // with nothing keeping the process alive, and it would exit 0 having signed nothing.
      if ((input as NodeJS.ReadableStream & { readableEnded?: boolean }).readableEnded) none();
      else input.once('end', none);
    });
    const code = line.trim();
    if (code === '' || code.length > 4096 || /\s/.test(code)) throw new ModelsealError('USAGE_ERROR', 'the verification code is empty or malformed');
    return code;
  } finally {
    rl.close();
  }
}

/** Logs in through the browser and returns the OIDC ID token (for Fulcio). */
export async function interactiveIdentityToken(options: InteractiveLoginOptions = {}): Promise<string> {
  const issuer = new URL(options.issuer ?? SIGSTORE_OAUTH_ISSUER);
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopback(issuer))) {
    throw new ModelsealError('USAGE_ERROR', '--oidc-issuer must be an https:// URL (http:// only on loopback)');
  }
  const output = options.output ?? process.stderr;
  const seconds = options.timeoutSeconds ?? 300;
  const oidc = require('openid-client') as OpenId;
  let config: import('openid-client').Configuration;
  try {
    config = await oidc.discovery(
      issuer,
      options.clientId ?? SIGSTORE_CLIENT_ID,
      undefined,
      options.clientSecret ? oidc.ClientSecretBasic(options.clientSecret) : oidc.None(),
      { execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [], timeout: 30 },
    );
  } catch (err) {
    throw loginError(err);
  }
  const verifier = oidc.randomPKCECodeVerifier();
  const challenge = await oidc.calculatePKCECodeChallenge(verifier);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const checks = { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true };
  const authorizationUrl = (redirect: string) =>
    oidc.buildAuthorizationUrl(config, { redirect_uri: redirect, scope: 'openid email', response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256', state, nonce }).href;
  const idToken = (tokens: { id_token?: string }) => {
    if (!tokens.id_token) throw new ModelsealError('SERVICE_ERROR', 'the OIDC issuer returned no ID token');
    return tokens.id_token;
  };

  if (options.forceOob) {
    const url = authorizationUrl(OOB_REDIRECT);
    output.write(`Go to the following link in a browser:\n\n\t${url}\n\n`);
    const code = await readCode(options.input ?? process.stdin, output);
    const callback = new URL(OOB_REDIRECT);
    callback.searchParams.set('code', code);
    callback.searchParams.set('state', state);
    try {
      return idToken(await oidc.authorizationCodeGrant(config, callback, checks));
    } catch (err) {
      throw loginError(err);
    }
  }

  // The loopback listener: one callback with our state is accepted, anything else is answered 400.
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const redirect = `http://localhost:${port}${CALLBACK_PATH}`;
  const done = new Promise<string>((resolve, reject) => {
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', redirect);
      if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH || url.searchParams.get('state') !== state) {
        res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not the modelseal login callback.\n');
        return;
      }
      oidc.authorizationCodeGrant(config, url, checks).then(
        (tokens) => {
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('modelseal: signed in. You may close this window.\n');
          try {
            resolve(idToken(tokens));
          } catch (e) {
            reject(e);
          }
        },
        (err) => {
          res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('modelseal: the login failed; see the terminal.\n');
          reject(loginError(err));
        },
      );
    });
  });
  const url = authorizationUrl(redirect);
  output.write(`Waiting for the browser login. If no browser opened, visit:\n\n\t${url}\n\n`);
  try {
    await (options.openBrowser ?? systemBrowserOpener)(url);
  } catch {
    // the printed URL is the way
  }
  return withTimeout(done, seconds, () => {
    server.closeAllConnections();
    server.close();
  });
}
