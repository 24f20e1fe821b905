import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { REPO } from './cli';
import { tmpDir } from './tmp';
import { program } from './peers';
import { randomBytes } from 'node:crypto';
import { FILEPATH_ANNOTATION, MODELPACK_ARTIFACT, MODELPACK_CONFIG, OCI_MANIFEST, TITLE_ANNOTATION } from '../../src/oci/media-types';
import { sha256Digest, type RegistryClient } from '../../src/oci/registry-client';

/** Debian's docker-registry (the CNCF distribution server) and skopeo, an independent OCI client. */
export const REGISTRY_PEERS = [
  program('docker-registry', ['--version'], 'apt-get install docker-registry (or bash .ci/peers/registry.sh)'),
  program('skopeo', ['--version'], 'apt-get install skopeo (or bash .ci/peers/registry.sh)'),
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Registry {
  /** host:port of the real registry. */
  direct: string;
  stop(): Promise<void>;
}

/** Starts docker-registry on a free loopback port with a temporary storage folder. */
export async function startRegistry(): Promise<Registry> {
  const dir = tmpDir('modelseal-registry-');
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    `version: 0.1
log: { level: warn, accesslog: { disabled: true } }
storage:
  filesystem: { rootdirectory: ${JSON.stringify(path.join(dir, 'data'))} }
  delete: { enabled: true }
http:
  addr: 127.0.0.1:${port}
`,
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const direct = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`http://${direct}/v2/`);
      if (r.status === 200) break;
    } catch {
      // not up yet
    }
    if (i > 100 || child.exitCode !== null) {
      child.kill();
      throw new Error(`docker-registry did not start: ${stderr.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    direct,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface Intercepted {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Send the headers and this much of the body, then stall (a slow-loris registry). */
  stallAfter?: number;
}

/** A request as the proxy saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  authorization?: string;
}

/**
 * A loopback proxy in front of the registry: it records every request (to count blob
 * GETs) and lets a test play a hostile registry by answering some requests itself.
 */
export class RegistryProxy {
  readonly seen: SeenRequest[] = [];
  intercept?: (req: SeenRequest) => Intercepted | undefined;
  /** Extra headers on responses forwarded from the registry (e.g. OCI-Subject, as a 1.1 registry sends). */
  decorate?: (req: SeenRequest, status: number) => Record<string, string> | undefined;
  /** Demand a bearer token (from /token, for user:password) on every /v2/ request. */
  auth?: { user: string; password: string; token: string };
  private server?: http.Server;
  host = '';

  constructor(private readonly upstream: string) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.host = `127.0.0.1:${(this.server!.address() as net.AddressInfo).port}`;
    return this.host;
  }

  private readonly stalled: http.ServerResponse[] = [];

  stop(): Promise<void> {
    for (const r of this.stalled) r.destroy();
    this.server?.closeAllConnections();
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  reset(): void {
    this.seen.length = 0;
    this.intercept = undefined;
    this.decorate = undefined;
    this.auth = undefined;
  }

  /** GETs of blobs, by digest. */
  blobGets(digests?: readonly string[]): SeenRequest[] {
    return this.seen.filter((s) => s.method === 'GET' && /\/blobs\/sha256:/.test(s.url) && (!digests || digests.some((d) => s.url.endsWith(`/blobs/${d}`))));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const seen: SeenRequest = { method: req.method ?? 'GET', url: req.url ?? '/', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) };
    this.seen.push(seen);
    if (this.auth) {
      if (seen.url.startsWith('/token')) {
        const ok = seen.authorization === `Basic ${Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64')}`;
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        res.end(ok ? JSON.stringify({ token: this.auth.token }) : '{}');
        return;
      }
      if (seen.authorization !== `Bearer ${this.auth.token}`) {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${this.host}/token",service="test-registry",scope="repository:models/tiny:pull"`, 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        return;
      }
    }
    const answer = this.intercept?.(seen);
    if (answer) {
      res.writeHead(answer.status, answer.headers ?? {});
      if (answer.stallAfter !== undefined) {
        res.write(Buffer.from(answer.body ?? '').subarray(0, answer.stallAfter));
        this.stalled.push(res);
        return;
      }
      res.end(answer.body ?? '');
      return;
    }
    const [host, port] = this.upstream.split(':');
    const headers = { ...req.headers };
    delete headers.authorization;
    const up = http.request({ host, port: Number(port), method: req.method, path: req.url, headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, { ...upRes.headers, ...(this.decorate?.(seen, upRes.statusCode ?? 502) ?? {}) });
      upRes.pipe(res);
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  }
}

export { cliAsync, type CliRun } from './cli';

export interface ModelFile {
  name: string;
  bytes: Buffer;
  mediaType?: string;
  /** Use the ModelPack file path annotation (sub-folders) besides the title. */
  nested?: boolean;
}

export const FILES: ModelFile[] = [
  { name: 'config.json', bytes: Buffer.from('{"hidden_size": 8}\n'), mediaType: 'application/vnd.cncf.model.weight.config.v1.raw' },
  { name: 'model.safetensors', bytes: randomBytes(300_000) },
  { name: 'tokenizer/vocab.txt', bytes: Buffer.from('a\nb\nc\n'), mediaType: 'application/vnd.cncf.model.weight.config.v1.raw', nested: true },
  { name: 'README.md', bytes: Buffer.from('# tiny\n'), mediaType: 'application/vnd.cncf.model.doc.v1.raw' },
];

/** Pushes a ModelPack-style model: a config blob and one raw layer per file, titled by the file name. */
export async function pushModel(client: RegistryClient, tag: string, files: ModelFile[]): Promise<{ digest: string; bytes: Buffer }> {
  const layers = [];
  for (const f of files) {
    const digest = await client.putBlob(f.bytes);
    const base = f.name.slice(f.name.lastIndexOf('/') + 1);
    layers.push({
      mediaType: f.mediaType ?? 'application/vnd.cncf.model.weight.v1.raw',
      digest,
      size: f.bytes.length,
      annotations: { [TITLE_ANNOTATION]: f.nested ? base : f.name, ...(f.nested ? { [FILEPATH_ANNOTATION]: f.name } : {}) },
    });
  }
  const config = Buffer.from(JSON.stringify({ descriptor: { name: 'tiny' }, config: { format: 'safetensors' }, modelfs: { type: 'layers', diffIds: layers.map((l) => l.digest) } }));
  const configDigest = await client.putBlob(config);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: MODELPACK_ARTIFACT, config: { mediaType: MODELPACK_CONFIG, digest: configDigest, size: config.length }, layers }));
  await client.putManifest(manifest, tag, OCI_MANIFEST);
  return { digest: sha256Digest(manifest), bytes: manifest };
}

