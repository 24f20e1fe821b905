import { spawn } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { OAuth2Server } from 'oauth2-mock-server';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, rekorHandler } from '@sigstore/mock';
import { REPO } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';

// `modelseal sign --sigstore --oauth-force-oob` as a person runs it on a terminal without a
// browser redirect, played by a script: it reads the printed URL, "opens" it, and types the
// code back on stdin. OIDC provider, Fulcio and Rekor are real servers on loopback
// (oauth2-mock-server; @sigstore/mock's handlers behind node:http), since the CLI runs in
// another process where nock cannot reach.
const EMAIL = 'oob-user@example.com';

type Handler = { path: string; fn: (body: string) => Promise<{ statusCode: number; response: any; contentType?: string }> };

async function listen(): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function route(server: http.Server, handler: Handler): void {
  server.on('request', (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      if (req.method !== 'POST' || req.url !== handler.path) return void res.writeHead(404).end();
      const r = await handler.fn(body);
      res.writeHead(r.statusCode, { 'Content-Type': r.contentType ?? 'application/json' }).end(typeof r.response === 'string' ? r.response : JSON.stringify(r.response));
    });
  });
}

describe('sign --sigstore --oauth-force-oob from a script that types the code', () => {
  let oidc: OAuth2Server;
  const servers: http.Server[] = [];
  let fulcioURL: string;
  let rekorURL: string;
  let verified = true;

  beforeAll(async () => {
    oidc = new OAuth2Server();
    await oidc.issuer.keys.generate('RS256');
    await oidc.start(0, '127.0.0.1');
    oidc.service.on('beforeTokenSigning', (token) => {
      token.payload.email = EMAIL;
      token.payload.email_verified = verified;
      token.payload.sub = EMAIL;
    });
    const kp = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const fulcio = await listen();
    const rekor = await listen();
    servers.push(fulcio.server, rekor.server);
    fulcioURL = fulcio.url;
    rekorURL = rekor.url;
    const ca = await initializeCA(kp(), await initializeCTLog(kp()), new Date(Date.now() - 1000));
    route(fulcio.server, fulcioHandler(ca) as Handler);
    route(rekor.server, rekorHandler(await initializeTLog(rekorURL, kp())) as Handler);
  });
  afterAll(async () => {
    await oidc.stop();
    for (const s of servers) s.close();
  });

  it('prints the URL, reads the typed code, and writes a bundle certified for the login identity', async () => {
    const model = writeTree(tmpDir(), { 'weights.bin': 'x'.repeat(500) });
    const { NODE_ENV: _j, SIGSTORE_ID_TOKEN: _s, ACTIONS_ID_TOKEN_REQUEST_URL: _u, ACTIONS_ID_TOKEN_REQUEST_TOKEN: _t, ...env } = process.env;
    const child = spawn(process.execPath, [path.join(REPO, 'bin/run.js'), 'sign', model, '--sigstore', '--oauth-force-oob', '--oidc-issuer', oidc.issuer.url as string, '--fulcio-url', fulcioURL, '--rekor-url', rekorURL, '--json'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let typed = false;
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', async (c) => {
      stderr += c;
      const m = /\t(http:\/\/\S+)\n/.exec(stderr);
      if (m && !typed && stderr.includes('Enter the verification code')) {
        typed = true;
        const res = await fetch(m[1], { redirect: 'manual' }); // the person opens the link and logs in
        const code = new URL(res.headers.get('location') as string).searchParams.get('code');
        child.stdin.write(`${code}\n`);
      }
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toContain('Go to the following link in a browser');
    expect({ status, stderr: stderr.split('\n').slice(-2).join('\n') }).toEqual({ status: 0, stderr: '\nEnter the verification code: ' });
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ ok: true, signingMethod: 'sigstore', identity: EMAIL });
    const bundle = JSON.parse(fs.readFileSync(path.join(model, 'model.sig'), 'utf8'));
    const cert = new X509Certificate(Buffer.from(bundle.verificationMaterial.certificate.rawBytes, 'base64'));
    expect(cert.subjectAltName).toMatch(/^(email|URI):oob-user@example\.com$/); // the mock CA certifies the token subject
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
  }, 60_000);

  it('a Fulcio refusal is one line that never repeats the identity token', async () => {
    verified = false;
    try {
      const model = writeTree(tmpDir(), { 'weights.bin': 'z' });
      const child = spawn(process.execPath, [path.join(REPO, 'bin/run.js'), 'sign', model, '--sigstore', '--oauth-force-oob', '--oidc-issuer', oidc.issuer.url as string, '--fulcio-url', fulcioURL, '--rekor-url', rekorURL], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      let typed = false;
      child.stderr.on('data', async (c) => {
        stderr += c;
        const m = /\t(http:\/\/\S+)\n/.exec(stderr);
        if (m && !typed && stderr.includes('Enter the verification code')) {
          typed = true;
          const res = await fetch(m[1], { redirect: 'manual' });
          child.stdin.write(`${new URL(res.headers.get('location') as string).searchParams.get('code')}\n`);
        }
      });
      const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(status).toBe(2);
      const last = stderr.trim().split('\n').pop() as string;
      expect(last).toMatch(/^(Enter the verification code: )?modelseal sign: keyless signing failed: .*email not verified.*\[SERVICE_ERROR\]$/);
      expect(last).not.toMatch(/eyJ/);
      expect(last.length).toBeLessThan(400);
      expect(fs.readdirSync(model)).toEqual(['weights.bin']);
    } finally {
      verified = true;
    }
  });

  it('with no code typed (stdin closed), fails cleanly and writes nothing', async () => {
    const model = writeTree(tmpDir(), { 'weights.bin': 'y' });
    const child = spawn(process.execPath, [path.join(REPO, 'bin/run.js'), 'sign', model, '--sigstore', '--oauth-force-oob', '--oidc-issuer', oidc.issuer.url as string, '--fulcio-url', fulcioURL, '--rekor-url', rekorURL], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.on('data', (c) => (stdout += c));
    child.stdin.end();
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ status, stdout }).toEqual({ status: 2, stdout: '' });
    expect(stderr).toMatch(/no verification code was entered \[USAGE_ERROR\]/);
    expect(fs.readdirSync(model)).toEqual(['weights.bin']);
  });
});
