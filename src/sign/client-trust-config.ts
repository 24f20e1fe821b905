import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { parseJson, readBoundedFile } from '../envelope/read-json';
import { parseTrustedRoot, type LoadedTrustedRoot } from '../verify/trust-root';

/**
 * A Sigstore ClientTrustConfig (`application/vnd.dev.sigstore.clienttrustconfig.v0.1+json`):
 * a trusted root plus a signing config naming the Fulcio, Rekor and TSA services. It is how
 * model_signing 1.1 (`--trust-config`) and sigstore clients configure a private instance; the
 * Sigstore staging instance is the shipped pair trust/trusted_root_staging.json +
 * trust/signing_config_staging.json, read through the same code.
 */
export interface ClientTrustConfig {
  trustedRoot: LoadedTrustedRoot;
  fulcioURL: string;
  rekorURL: string;
  rekorApiVersion: 1 | 2;
  tsaURL?: string;
  /** Where it came from, for messages and --json. */
  source: string;
}

const TRUST_DIR = path.resolve(__dirname, '..', '..', 'trust');
export const SHIPPED_STAGING_TRUSTED_ROOT = path.join(TRUST_DIR, 'trusted_root_staging.json');
export const SHIPPED_STAGING_SIGNING_CONFIG = path.join(TRUST_DIR, 'signing_config_staging.json');

const MAX_BYTES = 4 * 1024 * 1024;
type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A protobuf Timestamp in JSON: RFC 3339 in UTC (`Z`), optional fraction. Anything else is refused. */
function parseTimestamp(v: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) || new Date(t).toISOString().slice(0, 19) !== v.slice(0, 19) ? undefined : t;
}

interface Service {
  url: string;
  major: number;
  start: number;
  end?: number;
}

function services(list: unknown, where: string, bad: (m: string) => ModelsealError): Service[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw bad(`${where} is not a list`);
  return list.map((s, i) => {
    if (!isObject(s) || typeof s.url !== 'string' || !/^https?:\/\/[^/\s]+/.test(s.url)) throw bad(`${where}[${i}] has no http(s) url`);
    if (!Number.isSafeInteger(s.majorApiVersion)) throw bad(`${where}[${i}] has no majorApiVersion`);
    const v = s.validFor;
    const start = isObject(v) && typeof v.start === 'string' ? parseTimestamp(v.start) : undefined;
    if (start === undefined) throw bad(`${where}[${i}] (${s.url}) has no valid validFor.start`);
    let end: number | undefined;
    if (isObject(v) && v.end !== undefined && v.end !== null) {
      end = typeof v.end === 'string' ? parseTimestamp(v.end) : undefined;
      if (end === undefined) throw bad(`${where}[${i}] (${s.url}) has a malformed validFor.end`);
    }
    return { url: s.url.replace(/\/+$/, ''), major: s.majorApiVersion as number, start, end };
  });
}

/**
 * The signing config's rule: among services whose API version this client speaks and whose
 * validity covers now, the highest version, then the newest start, then the first listed.
 */
function select(list: Service[], supported: readonly number[], now: number): Service | undefined {
  const usable = list.filter((s) => supported.includes(s.major) && s.start <= now && (s.end === undefined || now < s.end));
  usable.sort((a, b) => b.major - a.major || b.start - a.start);
  return usable[0];
}

function readJson(file: string, what: string): unknown {
  return parseJson(readBoundedFile(file, MAX_BYTES), file, 'TRUST_ROOT_INVALID', what);
}

/** Reads a signing config (v0.2 service lists; v0.1's single URLs are accepted too). */
export function parseSigningConfig(json: unknown, file: string, now: number = Date.now()): Omit<ClientTrustConfig, 'trustedRoot' | 'source'> {
  const bad = (m: string) => new ModelsealError('TRUST_ROOT_INVALID', `signing config: ${m}`, { file });
  if (!isObject(json) || typeof json.mediaType !== 'string' || !json.mediaType.startsWith('application/vnd.dev.sigstore.signingconfig.')) {
    throw bad(`is not a Sigstore signing config (mediaType ${JSON.stringify(isObject(json) ? json.mediaType : undefined)})`);
  }
  if (json.mediaType.startsWith('application/vnd.dev.sigstore.signingconfig.v0.1')) {
    const one = (u: unknown) => (typeof u === 'string' ? [{ url: u, majorApiVersion: 1, validFor: { start: '1970-01-01T00:00:00Z' } }] : []);
    json = { caUrls: one(json.caUrl), rekorTlogUrls: Array.isArray(json.tlogUrls) ? json.tlogUrls.flatMap(one) : [], tsaUrls: Array.isArray(json.tsaUrls) ? json.tsaUrls.flatMap(one) : [] };
  }
  const cfg = json as Obj;
  const ca = select(services(cfg.caUrls, 'caUrls', bad), [1], now);
  if (!ca) throw bad('names no Fulcio CA (caUrls, API v1) valid now');
  const rekor = select(services(cfg.rekorTlogUrls, 'rekorTlogUrls', bad), [1, 2], now);
  if (!rekor) throw bad('names no Rekor log (rekorTlogUrls, API v1 or v2) valid now');
  const tsa = select(services(cfg.tsaUrls, 'tsaUrls', bad), [1], now);
  return { fulcioURL: ca.url, rekorURL: rekor.url, rekorApiVersion: rekor.major as 1 | 2, ...(tsa ? { tsaURL: tsa.url } : {}) };
}

/** Reads a ClientTrustConfig file (`--trust-config`). */
export function loadClientTrustConfig(file: string, now: number = Date.now()): ClientTrustConfig {
  const p = path.resolve(file);
  const json = readJson(p, 'the trust config');
  const bad = (m: string) => new ModelsealError('TRUST_ROOT_INVALID', m, { file: p });
  if (!isObject(json) || typeof json.mediaType !== 'string' || !json.mediaType.startsWith('application/vnd.dev.sigstore.clienttrustconfig.')) {
    throw bad(`is not a Sigstore client trust config (mediaType ${JSON.stringify(isObject(json) ? json.mediaType : undefined)})`);
  }
  if (!isObject(json.trustedRoot)) throw bad('has no trustedRoot');
  if (!isObject(json.signingConfig)) throw bad('has no signingConfig');
  const source = `trust config ${p}`;
  return { trustedRoot: { root: parseTrustedRoot(json.trustedRoot, p), source }, ...parseSigningConfig(json.signingConfig, p, now), source };
}

/** The Sigstore staging instance (`--use-staging`), from the trust material shipped in trust/. */
export function stagingTrustConfig(now: number = Date.now()): ClientTrustConfig {
  const source = `shipped Sigstore staging root (${SHIPPED_STAGING_TRUSTED_ROOT})`;
  const root = parseTrustedRoot(readJson(SHIPPED_STAGING_TRUSTED_ROOT, 'the staging trusted root'), SHIPPED_STAGING_TRUSTED_ROOT);
  const signing = parseSigningConfig(readJson(SHIPPED_STAGING_SIGNING_CONFIG, 'the staging signing config'), SHIPPED_STAGING_SIGNING_CONFIG, now);
  return { trustedRoot: { root, source }, ...signing, source };
}

/** `--trust-config FILE` or `--use-staging` (exclusive), or nothing. */
export function trustConfigFromFlags(flags: { 'trust-config'?: string; 'use-staging'?: boolean }): ClientTrustConfig | undefined {
  if (flags['trust-config'] && flags['use-staging']) throw new ModelsealError('USAGE_ERROR', '--trust-config and --use-staging cannot be used together');
  if (flags['trust-config']) return loadClientTrustConfig(flags['trust-config']);
  if (flags['use-staging']) return stagingTrustConfig();
  return undefined;
}
