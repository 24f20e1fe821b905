import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadClientTrustConfig, parseSigningConfig, stagingTrustConfig } from '../src/sign/client-trust-config';
import { cli, cliAsync, REPO } from './helpers/cli';
import { closeLoopback, fakeIdentityToken, offlineOnly, startMockSigstore, type MockSigstore } from './helpers/sigstore-mock';
import { tmpDir, writeTree } from './helpers/tmp';
import { describeWithVectors, VECTORS } from './helpers/vectors';

// The mock Sigstore is served on loopback HTTP (CLI child processes reach it); nothing else is allowed.
offlineOnly();

const since = (start: string, end?: string) => ({ start, ...(end ? { end } : {}) });
const svc = (url: string, majorApiVersion: number, validFor = since('2020-01-01T00:00:00Z')) => ({ url, majorApiVersion, validFor, operator: 'test' });
const NOW = Date.parse('2026-06-01T00:00:00Z');

describe('signing config: which services a ClientTrustConfig names', () => {
  const cfg = (over: Record<string, unknown>) => ({ mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json', caUrls: [svc('https://ca.test', 1)], rekorTlogUrls: [svc('https://rekor.test', 1)], ...over });

  it('the highest supported API version valid now, newest start first; expired and future ones are skipped', () => {
    const r = parseSigningConfig(
      cfg({
        rekorTlogUrls: [
          svc('https://rekor-v9.test', 9),
          svc('https://future.test', 2, since('2027-01-01T00:00:00Z')),
          svc('https://expired.test', 2, since('2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z')),
          svc('https://older-v2.test', 2, since('2025-06-01T00:00:00Z')),
          svc('https://newer-v2.test/', 2, since('2026-02-01T00:00:00Z')),
          svc('https://v1.test', 1),
        ],
        tsaUrls: [svc('https://tsa.test/api/v1/timestamp', 1)],
      }),
      'f',
      NOW,
    );
    expect(r).toEqual({ fulcioURL: 'https://ca.test', rekorURL: 'https://newer-v2.test', rekorApiVersion: 2, tsaURL: 'https://tsa.test/api/v1/timestamp' });
  });

  it('fails closed: no usable CA or log, malformed times, unknown media types', () => {
    const code = (c: unknown) => {
      try {
        parseSigningConfig(c, 'f', NOW);
      } catch (e) {
        return (e as { code: string; message: string }).code + ': ' + (e as Error).message;
      }
      return 'accepted';
    };
    expect(code(cfg({ caUrls: [] }))).toMatch(/TRUST_ROOT_INVALID.*no Fulcio CA/);
    expect(code(cfg({ rekorTlogUrls: [svc('https://r.test', 7)] }))).toMatch(/no Rekor log/);
    expect(code(cfg({ caUrls: [svc('https://ca.test', 1, since('2020-01-01 00:00:00'))] }))).toMatch(/validFor.start/);
    expect(code(cfg({ caUrls: [svc('ftp://ca.test', 1)] }))).toMatch(/http\(s\) url/);
    expect(code({ ...cfg({}), mediaType: 'application/json' })).toMatch(/not a Sigstore signing config/);
    expect(code(cfg({ caUrls: [svc('https://ca.test', 1, since('2020-02-30T00:00:00Z'))] }))).toMatch(/validFor.start/);
  });

  it('reads a v0.1 signing config (single URLs)', () => {
    expect(parseSigningConfig({ mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.1+json', caUrl: 'https://ca.test', oidcUrl: 'https://o.test', tlogUrls: ['https://rekor.test'], tsaUrls: [] }, 'f', NOW)).toEqual({
      fulcioURL: 'https://ca.test',
      rekorURL: 'https://rekor.test',
      rekorApiVersion: 1,
    });
  });

  it('a trust config must hold both a trusted root and a signing config', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'c.json');
    fs.writeFileSync(f, JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json', signingConfig: cfg({}) }));
    expect(() => loadClientTrustConfig(f)).toThrow(expect.objectContaining({ code: 'TRUST_ROOT_INVALID' }));
    fs.writeFileSync(f, JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }));
    expect(() => loadClientTrustConfig(f)).toThrow(/not a Sigstore client trust config/);
  });

  it('the shipped staging instance: staging Fulcio, a staging Rekor log, the staging TSA, and its own trusted root', () => {
    const s = stagingTrustConfig(NOW);
    expect(s.fulcioURL).toBe('https://fulcio.sigstage.dev');
    expect(s.rekorURL).toMatch(/rekor\.sigstage\.dev$/);
    expect(s.tsaURL).toMatch(/^https:\/\/timestamp\.sigstage\.dev\//);
    expect(s.trustedRoot.root.certificateAuthorities.map((c) => c.uri)).toEqual(['https://fulcio.sigstage.dev']);
    expect(s.source).toMatch(/staging/);
  });
});

describe('--trust-config end to end against a mocked private Sigstore instance', () => {
  const IDENTITY = 'release@private.example';
  const ISSUER = 'https://oidc.private.example';
  let mock: MockSigstore;
  let config: string;
  let dir: string;

  beforeAll(async () => {
    dir = tmpDir();
    mock = await startMockSigstore(dir, { name: 'private', loopback: true });
    config = path.join(dir, 'client_trust_config.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json',
        trustedRoot: mock.trustedRoot,
        signingConfig: {
          mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
          caUrls: [svc(mock.fulcioURL, 1)],
          oidcUrls: [],
          rekorTlogUrls: [svc('https://unsupported.private.test', 7), svc(mock.rekorURL, 1)],
          tsaUrls: [svc(mock.tsaURL, 1)],
          rekorTlogConfig: { selector: 'ANY' },
          tsaConfig: { selector: 'ANY' },
        },
      }),
    );
  });

  afterAll(() => closeLoopback());

  it('`sign MODEL --trust-config F` signs with its services; `verify --trust-config F` trusts its root, the public-good root does not', async () => {
    const model = writeTree(path.join(dir, 'bert-base-uncased'), { 'config.json': '{}', 'w.bin': Buffer.alloc(999, 4) });
    const sig = path.join(dir, 'model.sig');
    // A real child process, against the mock on loopback HTTP (the child must run asynchronously).
    const token = fakeIdentityToken({ sub: IDENTITY, iss: ISSUER, email: IDENTITY, email_verified: true });
    const signed = await cliAsync(['sign', model, '--trust-config', config, '--identity-token', token, '--signature', sig, '--json']);
    expect(signed.stderr).toBe('');
    const result = JSON.parse(signed.stdout);
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.signingMethod).toBe('sigstore');
    expect(result.identity).toBe(IDENTITY);
    expect(result.trustConfig).toContain(config);
    const bundle = JSON.parse(fs.readFileSync(sig, 'utf8'));
    expect(bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps).toHaveLength(1);

    const ok = cli(['verify', model, '--signature', sig, '--trust-config', config, '--identity', IDENTITY, '--identity-provider', ISSUER, '--json']);
    expect(ok.status).toBe(0);
    expect(ok.json.trustedRoot).toContain(config);
    // The README's model_signing line, with modelseal.
    expect(cli(['verify', model, '--signature', sig, '--trust-config', config, '--identity', IDENTITY, '--identity-provider', ISSUER], { cwd: dir }).status).toBe(0);
    expect(cli(['verify', model, '--signature', sig, '--identity', IDENTITY, '--issuer', ISSUER]).status).toBe(1);
    expect(cli(['verify', model, '--signature', sig, '--use-staging', '--identity', IDENTITY, '--issuer', ISSUER]).status).toBe(1);
    expect(cli(['verify', model, '--signature', sig, '--trust-config', config, '--identity', 'someone@else', '--issuer', ISSUER]).status).toBe(1);
    expect(cli(['verify', model, '--signature', sig, '--trust-config', config, '--trusted-root', mock.trustedRootFile, '--identity', IDENTITY, '--issuer', ISSUER]).status).toBe(2);
  });

  it('a refused identity token is never echoed in the error line', async () => {
    const model = writeTree(path.join(dir, 'other'), { 'a.txt': 'a' });
    const token = fakeIdentityToken({ sub: IDENTITY, iss: ISSUER, email: IDENTITY }); // email not verified: Fulcio refuses it
    const r = await cliAsync(['sign', model, '--trust-config', config, '--identity-token', token, '--signature', path.join(dir, 'x.sig')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/keyless signing failed/);
    expect(r.stderr).not.toContain(token.split('.')[1]);
  });

  it('--trust-config with a key, or without an identity, is a usage error', () => {
    const r = cli(['verify', '.', '--key', path.join(REPO, 'keys-example/publisher-p256.pub'), '--trust-config', config]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/needs --identity/);
    expect(cli(['sign', '.', '--key', 'x.key', '--trust-config', config]).status).toBe(2);
  });
});

describeWithVectors('--use-staging verifies against the staging root only', () => {
  it('a public-good signature from model_signing is refused against the staging root, accepted against the shipped one', () => {
    const m = path.join(VECTORS, 'model-transparency', 'scripts', 'tests', 'v1.1.0-sigstore');
    const id = ['--identity', 'stefanb@us.ibm.com', '--identity-provider', 'https://sigstore.verify.ibm.com/oauth2', '--signature', path.join(m, 'model.sig'), '--ignore-paths', path.join(m, 'ignore-me')];
    expect(cli(['verify', m, ...id]).status).toBe(0);
    const staged = cli(['verify', m, ...id, '--use-staging', '--json']);
    expect(staged.status).toBe(1);
  });
});
