import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { conformanceSignBundle } from '../src/conformance/sign-bundle';
import { runConformance } from '../src/conformance/main';
import { fakeIdentityToken, offlineOnly, startMockSigstore, type MockSigstore } from './helpers/sigstore-mock';
import { tmpDir } from './helpers/tmp';

offlineOnly();

const IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

describe('sigstore-conformance sign-bundle against mocked services', () => {
  let dir: string;
  let mock: MockSigstore;
  let artifact: string;

  beforeAll(async () => {
    dir = tmpDir();
    mock = await startMockSigstore(dir, { name: 'conf' });
    artifact = path.join(dir, 'a.txt');
    fs.writeFileSync(artifact, 'hello, conformance\n');
  });

  const verify = (bundle: string, input: string, identity = IDENTITY) =>
    runConformance(['verify-bundle', '--bundle', bundle, '--certificate-identity', identity, '--certificate-oidc-issuer', ISSUER, '--trusted-root', mock.trustedRootFile, input], () => undefined);

  it('signs a file (message signature) that verify-bundle accepts in PATH and DIGEST mode', async () => {
    const bundle = path.join(dir, 'msg.sigstore.json');
    await conformanceSignBundle({
      identityToken: fakeIdentityToken({ sub: IDENTITY, iss: ISSUER }),
      bundle,
      input: artifact,
      services: { fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL, tsaURL: mock.tsaURL },
    });
    const b = JSON.parse(fs.readFileSync(bundle, 'utf8'));
    expect(b.messageSignature.messageDigest.algorithm).toBe('SHA2_256');
    const digest = `sha256:${createHash('sha256').update(fs.readFileSync(artifact)).digest('hex')}`;
    expect(await verify(bundle, artifact)).toBe(0);
    expect(await verify(bundle, digest)).toBe(0);
    expect(await verify(bundle, `sha256:${'0'.repeat(64)}`)).toBe(1);
    expect(await verify(bundle, artifact, 'https://github.com/someone/else')).toBe(1);
  });

  it('signs an in-toto statement (DSSE) whose subject is checked on verification', async () => {
    const statement = path.join(dir, 'statement.json');
    const digest = createHash('sha256').update(fs.readFileSync(artifact)).digest('hex');
    fs.writeFileSync(statement, JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a.txt', digest: { sha256: digest } }], predicateType: 'https://example.com/p', predicate: {} }));
    const bundle = path.join(dir, 'dsse.sigstore.json');
    await conformanceSignBundle({
      identityToken: fakeIdentityToken({ sub: IDENTITY, iss: ISSUER }),
      bundle,
      input: statement,
      inToto: true,
      services: { fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL },
    });
    expect(await verify(bundle, artifact)).toBe(0);
    expect(await verify(bundle, `sha256:${digest}`)).toBe(0);
    expect(await verify(bundle, statement)).toBe(1); // not a subject
  });

  it('reads service URLs from a signing config', async () => {
    const config = path.join(dir, 'signing_config.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
        caUrls: [{ url: mock.fulcioURL, majorApiVersion: 1 }],
        rekorTlogUrls: [{ url: mock.rekorURL, majorApiVersion: 1 }],
        tsaUrls: [{ url: mock.tsaURL, majorApiVersion: 1 }],
      }),
    );
    const bundle = path.join(dir, 'config.sigstore.json');
    const code = await runConformance(['sign-bundle', '--identity-token', fakeIdentityToken({ sub: IDENTITY, iss: ISSUER }), '--bundle', bundle, '--signing-config', config, artifact], () => undefined);
    expect(code).toBe(0);
    expect(JSON.parse(fs.readFileSync(bundle, 'utf8')).verificationMaterial.timestampVerificationData.rfc3161Timestamps).toHaveLength(1);
    expect(await verify(bundle, artifact)).toBe(0);
  });
});
