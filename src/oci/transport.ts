/**
 * The distribution API over Node's fetch, kept small and strict on purpose: no OCI
 * client library on npm runs on Node 20 without pulling a large HTTP stack, and the
 * ones that exist follow redirects to any host and trust the registry's
 * Docker-Content-Digest header. Here every redirect must stay on the registry's
 * origin, every body read is bounded, digests are recomputed from the bytes, and
 * credentials go only to the registry and the token realm its challenge names.
 */
import { ModelsealError } from '../errors';
import type { RegistryCredentials } from './credentials';
import { isLoopbackHost } from './reference';

export interface TransportOptions {
  /** Plain HTTP; refused unless the registry is a loopback host. */
  plainHttp?: boolean;
  credentials?: RegistryCredentials;
  /** Per request, until the response headers arrive (default 60 s). */
  timeoutMs?: number;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Statuses the caller handles; anything else is a REGISTRY_ERROR. */
  ok: number[];
}

const MAX_REDIRECTS = 5;
const MAX_TOKEN_BYTES = 1024 * 1024;
const MAX_ERROR_BYTES = 4096;

function short(s: string, n = 200): string {
  return JSON.stringify(s.length > n ? `${s.slice(0, n)}…` : s);
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (RFC 7235 auth-params, quoted or token values). */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/gy;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2])) !== null && p[0] !== '') {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}

/** Per response: restart the idle timeout on each chunk, clear it at the end. */
const idleTimers = new WeakMap<Response, { touch: () => void; done: () => void }>();

/** The chunks of a body; a stall past the timeout, a reset or an abort becomes a REGISTRY_ERROR. */
export async function* bodyChunks(res: Response): AsyncGenerator<Uint8Array> {
  if (!res.body) return;
  const idle = idleTimers.get(res);
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      idle?.touch();
      yield chunk;
    }
  } catch (err) {
    if (err instanceof ModelsealError) throw err;
    const why = (err as Error)?.name === 'AbortError' ? 'stalled past the timeout' : ((err as { cause?: { code?: string } })?.cause?.code ?? (err as Error)?.name ?? 'error');
    throw new ModelsealError('REGISTRY_ERROR', `the registry's response broke off (${why})`, { cause: err });
  } finally {
    idle?.done();
  }
}

/** Reads a response body into memory, refusing more than `max` bytes (before or while reading). */
export async function readBounded(res: Response, max: number, tooLarge: () => ModelsealError): Promise<Buffer> {
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) > max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of bodyChunks(res)) {
    n += chunk.length;
    if (n > max) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, n);
}

export class RegistryTransport {
  readonly origin: string;
  readonly registry: string;
  private authorization?: string;
  private readonly tried = new Set<string>();

  constructor(
    registry: string,
    private readonly options: TransportOptions = {},
  ) {
    if (options.plainHttp && !isLoopbackHost(registry)) {
      throw new ModelsealError('USAGE_ERROR', `--plain-http is only allowed for loopback registries (localhost, 127.0.0.0/8, [::1]), not ${short(registry)}`);
    }
    this.registry = registry;
    this.origin = new URL(`${options.plainHttp ? 'http' : 'https'}://${registry}`).origin;
    if (options.credentials?.token) this.authorization = `Bearer ${options.credentials.token}`;
  }

  private fail(message: string, cause?: unknown): ModelsealError {
    return new ModelsealError('REGISTRY_ERROR', `registry ${this.registry}: ${message}`, { cause });
  }

  /**
   * One fetch without following redirects. The timeout bounds the wait for the headers and
   * then each pause between body chunks (a multi-gigabyte layer may take long, a stalled one
   * may not).
   */
  private async fetchOnce(url: URL, init: RequestInit): Promise<Response> {
    const ms = this.options.timeoutMs ?? 60_000;
    const controller = new AbortController();
    let timer = setTimeout(() => controller.abort(), ms);
    let res: Response;
    try {
      res = await fetch(url, { ...init, redirect: 'manual', signal: controller.signal });
    } catch (err) {
      clearTimeout(timer);
      const why = (err as { cause?: { code?: string } })?.cause?.code ?? (controller.signal.aborted ? 'timed out' : ((err as Error)?.name ?? 'error'));
      throw this.fail(`cannot ${init.method ?? 'GET'} ${short(url.pathname)} (${why})`, err);
    }
    clearTimeout(timer);
    if (!res.body) return res;
    timer = setTimeout(() => controller.abort(), ms);
    timer.unref?.();
    idleTimers.set(res, {
      touch: () => timer.refresh(),
      done: () => clearTimeout(timer),
    });
    return res;
  }

  /** A request to the registry (a path under its origin, or an absolute URL on it). */
  async request(pathOrUrl: string, options: RequestOptions): Promise<Response> {
    let url = new URL(pathOrUrl, this.origin);
    if (url.origin !== this.origin) throw new ModelsealError('OCI_REDIRECT_REFUSED', `registry ${this.registry} sent a location on another host (${short(url.origin)}); refused`);
    let method = options.method ?? 'GET';
    let body = options.body;
    for (let hop = 0, auths = 0; ; ) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (this.authorization) headers.authorization = this.authorization;
      const res = await this.fetchOnce(url, { method, headers, ...(body ? { body } : {}) });
      if ([301, 302, 303, 307, 308].includes(res.status)) {
        await res.body?.cancel().catch(() => undefined);
        const location = res.headers.get('location');
        if (!location) throw this.fail(`redirect without a location for ${short(url.pathname)}`);
        const next = new URL(location, url);
        if (next.origin !== this.origin) {
          throw new ModelsealError('OCI_REDIRECT_REFUSED', `registry ${this.registry} redirected ${short(url.pathname)} to another host (${short(next.origin)}); only same-host redirects are followed`);
        }
        if (++hop > MAX_REDIRECTS) throw new ModelsealError('OCI_REDIRECT_REFUSED', `registry ${this.registry} redirected more than ${MAX_REDIRECTS} times`);
        if (res.status === 303) {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }
      if (res.status === 401 && auths < 2) {
        const challenge = res.headers.get('www-authenticate') ?? '';
        await res.body?.cancel().catch(() => undefined);
        if (!this.tried.has(challenge) && (await this.authenticate(challenge))) {
          this.tried.add(challenge);
          auths++;
          continue;
        }
        throw this.fail(`refused the credentials (401) for ${short(url.pathname)}${this.options.credentials ? '' : '; log in (docker login) or pass --registry-token'}`);
      }
      if (!options.ok.includes(res.status)) {
        const text = await readBounded(res, MAX_ERROR_BYTES, () => this.fail(`HTTP ${res.status}`)).catch(() => Buffer.alloc(0));
        const code = /"code"\s*:\s*"([A-Z_]{1,40})"/.exec(text.toString('utf8'))?.[1];
        throw this.fail(`HTTP ${res.status}${code ? ` ${code}` : ''} for ${method} ${short(url.pathname)}`);
      }
      return res;
    }
  }

  /** Answers a 401 challenge: Basic with the configured user, or a token from the Bearer realm. */
  private async authenticate(header: string): Promise<boolean> {
    const challenge = parseChallenge(header);
    const creds = this.options.credentials;
    if (!challenge) return false;
    if (challenge.scheme === 'basic') {
      if (!creds?.username) return false;
      this.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}`;
      return true;
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return false;
    if (creds?.token) return false; // a given token was refused: do not trade it elsewhere
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm);
    } catch {
      throw this.fail(`sent a token realm that is not a URL (${short(challenge.params.realm)})`);
    }
    const loopbackHttp = realm.protocol === 'http:' && this.options.plainHttp && isLoopbackHost(realm.host);
    if (realm.protocol !== 'https:' && !loopbackHttp) throw this.fail(`sent a token realm that is not https (${short(realm.href)}); refused`);
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    for (const s of (challenge.params.scope ?? '').split(' ').filter(Boolean)) realm.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    let res: Response;
    if (creds?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'modelseal', service: challenge.params.service ?? '' });
      for (const s of (challenge.params.scope ?? '').split(' ').filter(Boolean)) form.append('scope', s);
      res = await this.fetchOnce(new URL(realm.origin + realm.pathname), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    } else {
      if (creds?.username) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}`;
      res = await this.fetchOnce(realm, { method: 'GET', headers });
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw this.fail(`the token service ${short(realm.origin)} refused (HTTP ${res.status})`);
    }
    const bytes = await readBounded(res, MAX_TOKEN_BYTES, () => this.fail('the token response is too large'));
    let token: unknown;
    try {
      const json = JSON.parse(bytes.toString('utf8')) as { token?: unknown; access_token?: unknown };
      token = json.token ?? json.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || !/^[\x21-\x7e]{1,8192}$/.test(token)) throw this.fail('the token service sent no usable token');
    this.authorization = `Bearer ${token}`;
    return true;
  }
}
