import { createHash, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import nock from 'nock';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler } from '@sigstore/mock';

/**
 * In-memory Fulcio, Rekor and TSA from @sigstore/mock (real certificates, SCTs, SETs,
 * inclusion proofs and RFC 3161 tokens) behind nock, plus the trusted root that
 * describes them. Nothing leaves the process.
 */
export interface MockSigstore {
  fulcioURL: string;
  rekorURL: string;
  tsaURL: string;
  /** trusted_root.json for these services. */
  trustedRoot: Record<string, any>;
  trustedRootFile: string;
}

type Handler = { path: string; fn: (body: string) => Promise<{ statusCode: number; response: any; contentType?: string }> };

/**
 * Real Rekor stores a `dsse` 0.0.1 proposal in canonical form (payload hash, envelope
 * hash, signatures with their verifiers); the 0.12 mock logs the proposal as sent.
 * Do what the real service does so the entry matches what verifiers expect.
 */
function canonicalizeDsseProposal(body: string): string {
  const req = JSON.parse(body);
  const proposed = req?.kind === 'dsse' ? req.spec?.proposedContent : undefined;
  if (!proposed) return body;
  const env = JSON.parse(proposed.envelope);
  const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  return JSON.stringify({
    apiVersion: req.apiVersion,
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(proposed.envelope) },
      payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(env.payload, 'base64')) },
      signatures: env.signatures.map((s: { sig: string }) => ({ signature: s.sig, verifier: proposed.verifiers[0] })),
    },
  });
}

function serve(base: string, handler: Handler, rewrite: (body: string) => string = (b) => b): void {
  nock(base)
    .persist()
    .post(handler.path)
    .reply(async (_uri, body) => {
      const r = await handler.fn(rewrite(typeof body === 'string' ? body : JSON.stringify(body)));
      return [r.statusCode, r.response, { 'Content-Type': r.contentType ?? 'text/plain' }];
    });
}

const b64 = (b: ArrayBufferView) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

export interface MockOptions {
  /** The CA's clock: certificates are valid for 10 minutes from it. */
  caClock?: Date;
  /** A distinct host prefix so two mocks in one test file do not collide. */
  name?: string;
  /**
   * Serve on real loopback HTTP servers instead of nock, so a CLI child process can reach
   * them (the test must then run the child asynchronously). Closed with `closeLoopback`.
   */
  loopback?: boolean;
}

const loopbackServers: http.Server[] = [];

async function loopbackServer(): Promise<{ url: string; server: http.Server; routes: Map<string, (body: string) => Promise<{ statusCode: number; response: any; contentType?: string }>> }> {
  const routes = new Map<string, (body: string) => Promise<{ statusCode: number; response: any; contentType?: string }>>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const fn = req.method === 'POST' ? routes.get(req.url ?? '') : undefined;
      if (!fn) {
        res.writeHead(404).end();
        return;
      }
      const r = await fn(Buffer.concat(chunks).toString('utf8'));
      const body = typeof r.response === 'string' || Buffer.isBuffer(r.response) ? r.response : JSON.stringify(r.response);
      res.writeHead(r.statusCode, { 'Content-Type': r.contentType ?? 'text/plain' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  loopbackServers.push(server);
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, routes };
}

/** Closes the loopback servers of `startMockSigstore({ loopback: true })`. */
export async function closeLoopback(): Promise<void> {
  await Promise.all(loopbackServers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
}

export async function startMockSigstore(dir: string, options: MockOptions = {}): Promise<MockSigstore> {
  const name = options.name ?? 'mock';
  const servers = options.loopback ? await Promise.all([loopbackServer(), loopbackServer(), loopbackServer()]) : undefined;
  const fulcioURL = servers ? servers[0].url : `https://fulcio.${name}.test`;
  const rekorURL = servers ? servers[1].url : `https://rekor.${name}.test`;
  const tsaURL = servers ? servers[2].url : `https://tsa.${name}.test`;
  const ctKeys = keyPair();
  const ctlog = await initializeCTLog(ctKeys);
  // Fixed clocks: certificates valid for 10 minutes from t0, timestamps at t0 + 3.123 s
  // (after the TSA's own certificates, which the mock dates at the real current second).
  // (A DER GeneralizedTime drops trailing zeros of the fraction, ".12Z"; @sigstore/core 3.2
  // accepts only three fraction digits, so a timestamp taken at a whole 10 ms would be refused.)
  const t0 = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
  const ca = await initializeCA(keyPair(), ctlog, options.caClock ?? t0);
  const tlog = await initializeTLog(rekorURL, keyPair());
  const tsa = await initializeTSA(keyPair(), new Date(t0.getTime() + 3123));
  if (servers) {
    const on = (i: number, h: Handler, rewrite: (b: string) => string = (b) => b) => servers[i].routes.set(h.path, (body) => h.fn(rewrite(body)));
    on(0, fulcioHandler(ca) as Handler);
    on(1, rekorHandler(tlog) as Handler, canonicalizeDsseProposal);
    on(2, tsaHandler(tsa) as Handler);
  } else {
    serve(fulcioURL, fulcioHandler(ca) as Handler);
    serve(rekorURL, rekorHandler(tlog) as Handler, canonicalizeDsseProposal);
    serve(tsaURL, tsaHandler(tsa) as Handler);
  }
  const since = { start: '2020-01-01T00:00:00Z' };
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: rekorURL,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(tlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: since },
        logId: { keyId: b64(createHash('sha256').update(tlog.publicKey).digest()) },
      },
    ],
    certificateAuthorities: [
      { subject: { organization: name, commonName: name }, uri: fulcioURL, certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] }, validFor: since },
    ],
    ctlogs: [
      {
        baseUrl: `https://ctfe.${name}.test`,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(ctlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: since },
        logId: { keyId: b64(ctlog.logID) },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: name, commonName: `${name} TSA` },
        uri: tsaURL,
        certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] },
        validFor: since,
      },
    ],
  };
  const trustedRootFile = path.join(dir, `${name}-trusted_root.json`);
  fs.writeFileSync(trustedRootFile, JSON.stringify(trustedRoot, null, 2));
  return { fulcioURL, rekorURL, tsaURL, trustedRoot, trustedRootFile };
}

/** An unsigned OIDC token: @sigstore/mock's Fulcio reads the claims without checking a signature. */
export function fakeIdentityToken(claims: { sub: string; iss: string; [k: string]: unknown }): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ aud: 'sigstore', iat: Math.floor(Date.now() / 1000), ...claims })}.`;
}

/** Blocks every connection except loopback, for the whole test file. */
export function offlineOnly(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));
  });
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    // Unhook node:http: jest runs the next test file in this worker with its own nock, and an
    // interceptor left behind by this one answers its requests with unhandled socket errors.
    nock.restore();
  });
}
