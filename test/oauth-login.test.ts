import { PassThrough } from 'node:stream';
import { OAuth2Server } from 'oauth2-mock-server';
import { signArtifact, verifyArtifact } from '../src';
import { obtainIdentityToken, tokenClaims } from '../src/sign/identity-token';
import { interactiveIdentityToken } from '../src/sign/oauth-login';
import { offlineOnly, startMockSigstore, type MockSigstore } from './helpers/sigstore-mock';
import { tmpDir, writeTree } from './helpers/tmp';

// The interactive keyless login end to end: a real OIDC provider on loopback
// (oauth2-mock-server), a scripted "browser" that follows the redirects, PKCE/state/nonce
// checked by both sides, then mocked Fulcio + Rekor and offline verification.
offlineOnly();

const EMAIL = 'publisher@example.com';

/** The browser: GET the authorization URL, take its redirect, deliver it (to the loopback listener). */
async function scriptedBrowser(url: string): Promise<string> {
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`the provider did not redirect (${res.status})`);
  if (location.startsWith('http://localhost:')) {
    const cb = await fetch(location);
    return cb.text();
  }
  return location;
}

describe('interactive keyless login (authorization code + PKCE)', () => {
  let oidc: OAuth2Server;
  let issuer: string;
  let mock: MockSigstore;
  const authorizeQueries: URLSearchParams[] = [];

  beforeAll(async () => {
    oidc = new OAuth2Server();
    await oidc.issuer.keys.generate('RS256');
    await oidc.start(0, '127.0.0.1');
    issuer = oidc.issuer.url as string;
    oidc.service.on('beforeTokenSigning', (token) => {
      token.payload.email = EMAIL;
      token.payload.email_verified = true;
      token.payload.sub = EMAIL;
    });
    oidc.service.on('beforeAuthorizeRedirect', (_redirect, req) => {
      authorizeQueries.push(new URLSearchParams(req.url.split('?')[1] ?? ''));
    });
    mock = await startMockSigstore(tmpDir(), { name: 'oauth' });
  });
  afterAll(async () => {
    await oidc.stop();
  });

  it('follows the loopback redirect and returns the provider ID token, with S256 PKCE, state and nonce', async () => {
    let page = '';
    const output = new PassThrough();
    const token = await interactiveIdentityToken({
      issuer,
      clientId: 'sigstore',
      output,
      openBrowser: async (url) => {
        page = await scriptedBrowser(url);
      },
    });
    expect(page).toContain('signed in');
    const q = authorizeQueries[authorizeQueries.length - 1];
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toBeTruthy();
    expect(q.get('nonce')).toBeTruthy();
    expect(q.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/auth\/callback$/);
    const claims = tokenClaims(token) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: issuer, aud: 'sigstore', email: EMAIL, nonce: q.get('nonce') });
    expect(String(output.read())).toContain(issuer);
  });

  it('produces a Sigstore bundle end to end (sign --sigstore at a terminal), verified offline for the login identity', async () => {
    const model = writeTree(tmpDir(), { 'weights.bin': 'w'.repeat(2000), 'config.json': '{}' });
    const { token, source } = await obtainIdentityToken({
      env: {},
      k8sTokenFile: '/nonexistent/oidc-token',
      isTTY: true,
      interactive: { issuer, output: new PassThrough(), openBrowser: (url) => void scriptedBrowser(url) },
    });
    expect(source).toBe('interactive');
    const signed = await signArtifact(model, { sigstore: { identityToken: token, fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL } });
    expect(signed.method).toBe('sigstore');
    expect(signed.identity).toBe(EMAIL);
    const v = await verifyArtifact(model, { signers: [{ kind: 'sigstore', identity: EMAIL, issuer, trustedRoot: mock.trustedRootFile }] });
    expect(v.signer.identity).toBe(EMAIL);
    expect(v.signer.issuer).toBe(issuer);
    const other = await verifyArtifact(model, { signers: [{ kind: 'sigstore', identity: 'someone@else.example', issuer, trustedRoot: mock.trustedRootFile }] }).catch((e) => e);
    expect(other.code).toBe('IDENTITY_MISMATCH');
  });

  it('--oauth-force-oob: prints the URL and takes the code a script types', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      const m = /\t(http:\/\/\S+)\n/.exec(printed);
      if (m && !printed.includes('(typed)')) {
        printed += '(typed)';
        // the person opens the printed link; the provider shows the code (the OOB redirect carries it)
        void scriptedBrowser(m[1]).then((location) => {
          const code = new URL(location).searchParams.get('code');
          input.write(`${code}\n`);
        });
      }
    });
    const token = await interactiveIdentityToken({ issuer, forceOob: true, input, output });
    expect(tokenClaims(token)).toMatchObject({ email: EMAIL, aud: 'sigstore' });
    const q = authorizeQueries[authorizeQueries.length - 1];
    expect(q.get('redirect_uri')).toBe('urn:ietf:wg:oauth:2.0:oob');
    expect(printed).toContain('Enter the verification code');
  });

  it('refuses a code the provider did not issue for this login, and a callback with another state', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    output.once('data', () => input.write('not-a-real-code\n'));
    const bad = await interactiveIdentityToken({ issuer, forceOob: true, input, output }).catch((e) => e);
    expect(bad.code).toBe('SERVICE_ERROR');
    expect(bad.message).toMatch(/^the OIDC login failed/);

    let forgedStatus = 0;
    const login = interactiveIdentityToken({
      issuer,
      output: new PassThrough(),
      timeoutSeconds: 3,
      openBrowser: async (url) => {
        const redirect = new URL(new URL(url).searchParams.get('redirect_uri') as string);
        redirect.searchParams.set('code', 'attacker-code');
        redirect.searchParams.set('state', 'attacker-state');
        forgedStatus = (await fetch(redirect)).status;
      },
    });
    const err = await login.catch((e) => e);
    expect(forgedStatus).toBe(400);
    expect(err.message).toMatch(/did not complete within 3 s/);
  });

  it('refuses a plain-http issuer that is not loopback', async () => {
    const err = await interactiveIdentityToken({ issuer: 'http://oidc.example.com/auth' }).catch((e) => e);
    expect(err.code).toBe('USAGE_ERROR');
  });

  it('without a terminal and without ambient credentials, sign --sigstore is a usage error (no login attempted)', async () => {
    const err = await obtainIdentityToken({ env: {}, k8sTokenFile: '/nonexistent/oidc-token', isTTY: false, interactive: { issuer, openBrowser: () => { throw new Error('must not open'); } } }).catch((e) => e);
    expect(err.code).toBe('USAGE_ERROR');
  });
});
