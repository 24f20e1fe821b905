import { createHash } from 'node:crypto';
import { ModelsealError } from '../errors';
import { OCI_INDEX, OCI_MANIFEST } from './media-types';
import type { OciReference } from './reference';
import { readBounded, RegistryTransport, type TransportOptions } from './transport';

/** The distribution spec's limit for manifests registries must accept; larger ones are refused unread. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface FetchedManifest {
  bytes: Buffer;
  /** `sha256:<hex>` of the bytes received (never the registry's Docker-Content-Digest header). */
  digest: string;
  etag?: string;
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** One repository on one registry. */
export class RegistryClient {
  readonly transport: RegistryTransport;
  private readonly base: string;

  constructor(
    readonly ref: Pick<OciReference, 'registry' | 'repository'>,
    options: TransportOptions = {},
  ) {
    this.transport = new RegistryTransport(ref.registry, options);
    this.base = `/v2/${ref.repository}`;
  }

  /**
   * GETs a manifest by tag or digest, bounded; by digest, the bytes must hash to it.
   * Returns undefined on 404 when `missingOk`.
   */
  async getManifest(reference: string, accept: string[] = [OCI_MANIFEST, OCI_INDEX], missingOk = false): Promise<FetchedManifest | undefined> {
    const res = await this.transport.request(`${this.base}/manifests/${reference}`, { headers: { accept: accept.join(', ') }, ok: missingOk ? [200, 404] : [200] });
    if (res.status === 404) {
      await res.body?.cancel().catch(() => undefined);
      return undefined;
    }
    const what = `${this.ref.registry}/${this.ref.repository} manifest ${reference}`;
    const bytes = await readBounded(res, MAX_MANIFEST_BYTES, () => new ModelsealError('OCI_MANIFEST_INVALID', `${what} is over the ${MAX_MANIFEST_BYTES}-byte limit; refused unread`));
    const digest = sha256Digest(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new ModelsealError('OCI_MANIFEST_INVALID', `${what}: the registry sent bytes whose digest is ${digest}`);
    }
    const etag = res.headers.get('etag') ?? undefined;
    return { bytes, digest, ...(etag ? { etag } : {}) };
  }

  /** GETs a small blob into memory (at most `max` bytes) and checks its digest. */
  async getBlob(digest: string, max: number): Promise<Buffer> {
    const res = await this.openBlob(digest);
    const bytes = await readBounded(res, max, () => new ModelsealError('OCI_BLOB_MISMATCH', `blob ${digest} is over the ${max}-byte limit`));
    if (sha256Digest(bytes) !== digest) throw new ModelsealError('OCI_BLOB_MISMATCH', `the registry sent bytes for blob ${digest} that do not match its digest`);
    return bytes;
  }

  /** Opens a blob download; the caller streams, bounds and hashes it. */
  async openBlob(digest: string): Promise<Response> {
    return this.transport.request(`${this.base}/blobs/${digest}`, { ok: [200] });
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.transport.request(`${this.base}/blobs/${digest}`, { method: 'HEAD', ok: [200, 404] });
    return res.status === 200;
  }

  /** Uploads a blob (monolithic POST then PUT), unless the registry has it already. */
  async putBlob(bytes: Buffer): Promise<string> {
    const digest = sha256Digest(bytes);
    if (await this.hasBlob(digest)) return digest;
    const start = await this.transport.request(`${this.base}/blobs/uploads/`, { method: 'POST', headers: { 'content-length': '0' }, ok: [202] });
    await start.body?.cancel().catch(() => undefined);
    const location = start.headers.get('location');
    if (!location) throw new ModelsealError('REGISTRY_ERROR', `registry ${this.ref.registry}: no upload location`);
    const url = new URL(location, this.transport.origin);
    url.searchParams.set('digest', digest);
    const put = await this.transport.request(url.href, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes, ok: [201] });
    await put.body?.cancel().catch(() => undefined);
    return digest;
  }

  /** PUTs a manifest under a digest or tag; returns the registry's OCI-Subject header (referrers API support). */
  async putManifest(bytes: Buffer, reference: string, mediaType: string, etag?: string): Promise<{ digest: string; subject?: string }> {
    const headers: Record<string, string> = { 'content-type': mediaType };
    if (etag) headers['if-match'] = etag;
    const res = await this.transport.request(`${this.base}/manifests/${reference}`, { method: 'PUT', headers, body: bytes, ok: [201] });
    await res.body?.cancel().catch(() => undefined);
    const subject = res.headers.get('oci-subject') ?? undefined;
    return { digest: sha256Digest(bytes), ...(subject ? { subject } : {}) };
  }

  /** The referrers API (OCI distribution 1.1): the index, or undefined when the registry has no such API. */
  async referrersApi(digest: string): Promise<Buffer | undefined> {
    const res = await this.transport.request(`${this.base}/referrers/${digest}`, { headers: { accept: OCI_INDEX }, ok: [200, 404, 400, 405] });
    if (res.status !== 200 || !(res.headers.get('content-type') ?? '').startsWith(OCI_INDEX)) {
      await res.body?.cancel().catch(() => undefined);
      return undefined;
    }
    return readBounded(res, MAX_MANIFEST_BYTES, () => new ModelsealError('OCI_MANIFEST_INVALID', `the referrers index of ${digest} is over the ${MAX_MANIFEST_BYTES}-byte limit`));
  }
}
