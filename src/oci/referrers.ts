import { ModelsealError } from '../errors';
import { maxBundleBytes } from '../envelope/read-json';
import { BUNDLE_CONTENT_ANNOTATION, BUNDLE_PREDICATE_ANNOTATION, CREATED_ANNOTATION, EMPTY_CONFIG, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST, SIGSTORE_BUNDLE } from './media-types';
import { parseImageIndex, parseImageManifest, type Descriptor } from './oci-manifest';
import { sha256Digest, type RegistryClient } from './registry-client';

/** At most this many bundle referrers are examined per manifest (a registry could list thousands). */
export const MAX_REFERRERS = 32;

/** The referrers tag scheme (distribution spec 1.1): `sha256:<hex>` → tag `sha256-<hex>`. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

export interface ReferrerIndex {
  descriptors: Descriptor[];
  /** Which way they were found. */
  via: 'api' | 'tag' | 'none';
}

/** Lists the referrers of a manifest: the referrers API, else the fallback tag's index. */
export async function listReferrers(client: RegistryClient, digest: string): Promise<ReferrerIndex> {
  const api = await client.referrersApi(digest);
  if (api) return { descriptors: parseImageIndex(api, `the referrers of ${digest}`).manifests, via: 'api' };
  const tagged = await client.getManifest(referrersTag(digest), [OCI_INDEX], true);
  if (!tagged) return { descriptors: [], via: 'none' };
  return { descriptors: parseImageIndex(tagged.bytes, `the referrers tag ${referrersTag(digest)}`).manifests, via: 'tag' };
}

export interface BundleReferrer {
  /** The referrer manifest's digest. */
  digest: string;
  bundle: Buffer;
  predicateType?: string;
}

export interface FoundBundles {
  bundles: BundleReferrer[];
  /** Referrers listed for this manifest whose own subject is another manifest (a swapped or replayed index). */
  foreign: string[];
  /** Referrers that could not be read as bundle referrers (malformed, wrong digest, too large): skipped, kept for the refusal. */
  invalid: ModelsealError[];
  via: ReferrerIndex['via'];
}

/**
 * The Sigstore bundles attached to `subject`: each referrer manifest is fetched by digest,
 * must name `subject` as its subject and carry exactly one bundle layer, which is fetched
 * by digest, bounded. Descriptor annotations are hints to filter by, never trusted.
 */
export async function findBundles(client: RegistryClient, subject: string, wantPredicate?: (t: string | undefined) => boolean): Promise<FoundBundles> {
  const index = await listReferrers(client, subject);
  const candidates = index.descriptors.filter((d) => d.mediaType === OCI_MANIFEST && d.artifactType === SIGSTORE_BUNDLE && (!wantPredicate || wantPredicate(d.annotations?.[BUNDLE_PREDICATE_ANNOTATION])));
  const out: FoundBundles = { bundles: [], foreign: [], invalid: [], via: index.via };
  for (const d of candidates.slice(0, MAX_REFERRERS)) {
    try {
      const fetched = await client.getManifest(d.digest, [OCI_MANIFEST]);
      const what = `referrer ${d.digest}`;
      const m = parseImageManifest(fetched!.bytes, what);
      if (m.subject?.digest !== subject) {
        out.foreign.push(d.digest);
        continue;
      }
      if (m.artifactType !== SIGSTORE_BUNDLE || m.layers.length !== 1 || m.layers[0].mediaType !== SIGSTORE_BUNDLE) {
        throw new ModelsealError('OCI_MANIFEST_INVALID', `${what}: not a Sigstore bundle referrer (artifactType and one layer of ${SIGSTORE_BUNDLE})`);
      }
      if (m.layers[0].size > maxBundleBytes()) throw new ModelsealError('OCI_MANIFEST_INVALID', `${what}: the bundle is ${m.layers[0].size} bytes, over the ${maxBundleBytes()}-byte limit`);
      const bundle = await client.getBlob(m.layers[0].digest, m.layers[0].size);
      out.bundles.push({ digest: d.digest, bundle, predicateType: m.annotations?.[BUNDLE_PREDICATE_ANNOTATION] });
    } catch (err) {
      // One unreadable referrer must not hide the others (anyone who may push can add one);
      // registry errors (unreachable, auth) still end the search.
      if (!(err instanceof ModelsealError) || err.code === 'REGISTRY_ERROR' || err.code === 'OCI_REDIRECT_REFUSED') throw err;
      out.invalid.push(err);
    }
  }
  return out;
}

export interface AttachResult {
  /** The referrer manifest's digest. */
  digest: string;
  /** api: the registry indexes it by subject; tag: we updated the `sha256-<hex>` fallback index. */
  via: 'api' | 'tag';
}

/**
 * Attaches a bundle to a manifest as an OCI 1.1 referrer, the way sigstore-js and cosign
 * do: an image manifest with artifactType = the bundle media type, the empty config,
 * one layer (the bundle), and `subject` = the model manifest. Where the registry has no
 * referrers API the fallback tag index `sha256-<hex>` is updated (If-Match on its ETag).
 */
export async function attachBundle(client: RegistryClient, subject: Descriptor, bundle: Buffer, predicateType: string, now = new Date()): Promise<AttachResult> {
  const bundleDigest = await client.putBlob(bundle);
  const configDigest = await client.putBlob(EMPTY_CONFIG);
  const annotations = { [BUNDLE_CONTENT_ANNOTATION]: 'dsse-envelope', [BUNDLE_PREDICATE_ANNOTATION]: predicateType, [CREATED_ANNOTATION]: now.toISOString() };
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: SIGSTORE_BUNDLE,
    config: { mediaType: OCI_EMPTY, digest: configDigest, size: EMPTY_CONFIG.length },
    layers: [{ mediaType: SIGSTORE_BUNDLE, digest: bundleDigest, size: bundle.length }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = sha256Digest(bytes);
  const put = await client.putManifest(bytes, digest, OCI_MANIFEST);
  if (put.subject === subject.digest && (await client.referrersApi(subject.digest))) return { digest, via: 'api' };

  const tag = referrersTag(subject.digest);
  const existing = await client.getManifest(tag, [OCI_INDEX], true);
  const index = existing ? parseImageIndex(existing.bytes, `the referrers tag ${tag}`) : { mediaType: OCI_INDEX, manifests: [] };
  if (!index.manifests.some((m) => m.digest === digest)) {
    const entry: Descriptor = { mediaType: OCI_MANIFEST, digest, size: bytes.length, artifactType: SIGSTORE_BUNDLE, annotations };
    const next = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...index.manifests, entry] };
    await client.putManifest(Buffer.from(JSON.stringify(next)), tag, OCI_INDEX, existing?.etag);
  }
  return { digest, via: 'tag' };
}
