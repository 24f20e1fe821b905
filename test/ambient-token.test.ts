import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { detectIdentityToken, resolveIdentityToken } from '../src/sign/identity-token';
import { tmpDir } from './helpers/tmp';

// Each CI's ambient OIDC credentials, in a fake environment: fake variables, a fake
// buildkite-agent on PATH, a token file, and a loopback stand-in for the GCP metadata server.
const NO_K8S = { k8sTokenFile: '/nonexistent/modelseal-test/oidc-token' };
const jwt = (sub: string) => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub, aud: 'sigstore' })).toString('base64url')}.c2ln`;

function fakeBuildkiteAgent(script: string): string {
  const bin = tmpDir('bk-');
  fs.writeFileSync(path.join(bin, 'buildkite-agent'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return bin;
}

describe('ambient OIDC credentials', () => {
  it('GitLab CI: SIGSTORE_ID_TOKEN (its id_tokens convention)', async () => {
    expect(await detectIdentityToken({ GITLAB_CI: 'true', SIGSTORE_ID_TOKEN: `${jwt('gitlab')}\n` }, NO_K8S)).toEqual({ token: jwt('gitlab'), source: 'SIGSTORE_ID_TOKEN' });
  });

  it('Buildkite: asks buildkite-agent for a sigstore-audience token', async () => {
    const bin = fakeBuildkiteAgent('echo "$@" > "$(dirname "$0")/args"; echo ' + jwt('buildkite'));
    const got = await detectIdentityToken({ BUILDKITE: 'true', PATH: `${bin}:${process.env.PATH}` }, NO_K8S);
    expect(got).toEqual({ token: jwt('buildkite'), source: 'buildkite' });
    expect(fs.readFileSync(path.join(bin, 'args'), 'utf8').trim()).toBe('oidc request-token --audience sigstore');
  });

  it('Buildkite: an agent that fails is an error, not a fall-through to the next source', async () => {
    const bin = fakeBuildkiteAgent('echo "no OIDC for this pipeline" >&2; exit 1');
    const err = await detectIdentityToken({ BUILDKITE: 'true', CIRCLE_OIDC_TOKEN_V2: jwt('circle'), PATH: `${bin}:${process.env.PATH}` }, NO_K8S).catch((e) => e);
    expect(err.code).toBe('SERVICE_ERROR');
    expect(err.message).toMatch(/Buildkite .*exit status 1/);
  });

  it('CircleCI: CIRCLE_OIDC_TOKEN_V2', async () => {
    expect(await detectIdentityToken({ CIRCLECI: 'true', CIRCLE_OIDC_TOKEN_V2: jwt('circle') }, NO_K8S)).toEqual({ token: jwt('circle'), source: 'circleci' });
  });

  it('Kubernetes: a projected service-account token file (named, or at the default mount)', async () => {
    const file = path.join(tmpDir(), 'oidc-token');
    fs.writeFileSync(file, jwt('system:serviceaccount:ml:publisher'));
    expect(await detectIdentityToken({ MODELSEAL_OIDC_TOKEN_FILE: file }, NO_K8S)).toEqual({ token: jwt('system:serviceaccount:ml:publisher'), source: 'kubernetes' });
    expect(await detectIdentityToken({}, { k8sTokenFile: file })).toMatchObject({ source: 'kubernetes' });
    const missing = await detectIdentityToken({ MODELSEAL_OIDC_TOKEN_FILE: `${file}.gone` }, NO_K8S).catch((e) => e);
    expect(missing.code).toBe('SERVICE_ERROR');
    fs.writeFileSync(file, 'two\nlines');
    expect((await detectIdentityToken({}, { k8sTokenFile: file }).catch((e) => e)).code).toBe('SERVICE_ERROR');
  });

  describe('Google Cloud metadata server (loopback stand-in)', () => {
    let server: http.Server;
    let host: string;
    const seen: Array<{ url?: string; flavor?: string | string[] }> = [];
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        seen.push({ url: req.url, flavor: req.headers['metadata-flavor'] });
        if (req.headers['metadata-flavor'] !== 'Google') return void res.writeHead(403).end('missing header');
        res.writeHead(200, { 'Metadata-Flavor': 'Google' }).end(jwt('gce-sa@project.iam.gserviceaccount.com'));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('asks for a sigstore-audience identity token with Metadata-Flavor: Google', async () => {
      const got = await detectIdentityToken({ GCE_METADATA_HOST: host }, NO_K8S);
      expect(got).toEqual({ token: jwt('gce-sa@project.iam.gserviceaccount.com'), source: 'gcp-metadata' });
      expect(seen[0]).toEqual({ url: '/computeMetadata/v1/instance/service-accounts/default/identity?audience=sigstore&format=full', flavor: 'Google' });
    });

    it('is never probed unless asked for', async () => {
      expect(await detectIdentityToken({}, NO_K8S)).toBeUndefined();
    });
  });

  it('follows the documented order: flag, SIGSTORE_ID_TOKEN, GitHub, Buildkite, CircleCI, Kubernetes, GCP', async () => {
    const file = path.join(tmpDir(), 'oidc-token');
    fs.writeFileSync(file, jwt('k8s'));
    const bin = fakeBuildkiteAgent(`echo ${jwt('buildkite')}`);
    const all = { SIGSTORE_ID_TOKEN: jwt('env'), BUILDKITE: 'true', PATH: `${bin}:${process.env.PATH}`, CIRCLE_OIDC_TOKEN_V2: jwt('circle'), MODELSEAL_OIDC_TOKEN_FILE: file, GCE_METADATA_HOST: '127.0.0.1:9' };
    expect(await resolveIdentityToken(jwt('flag'), all, NO_K8S)).toBe(jwt('flag'));
    expect((await detectIdentityToken(all, NO_K8S))?.source).toBe('SIGSTORE_ID_TOKEN');
    const { SIGSTORE_ID_TOKEN: _a, ...noEnv } = all;
    expect((await detectIdentityToken(noEnv, NO_K8S))?.source).toBe('buildkite');
    const { BUILDKITE: _b, ...noBk } = noEnv;
    expect((await detectIdentityToken(noBk, NO_K8S))?.source).toBe('circleci');
    const { CIRCLE_OIDC_TOKEN_V2: _c, ...noCircle } = noBk;
    expect((await detectIdentityToken(noCircle, NO_K8S))?.source).toBe('kubernetes');
  });
});
