import { ModelsealError } from '../errors';
import { parseStrictJson } from '../envelope/strict-json';
import { isObject } from '../statement/statement';
import { OCI_INDEX, OCI_MANIFEST } from './media-types';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  mediaType: string;
  manifests: Descriptor[];
}

/** Far above any real model (ModelPack pushes one layer per file); bounds the work per manifest. */
export const MAX_LAYERS = 10_000;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

function bad(what: string, why: string): ModelsealError {
  return new ModelsealError('OCI_MANIFEST_INVALID', `${what}: ${why}`);
}

function annotationsOf(v: unknown, what: string): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw bad(what, 'annotations is not an object');
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw bad(what, `annotation ${JSON.stringify(k.slice(0, 100))} is not a string`);
    out[k] = val;
  }
  return out;
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  if (!isObject(v)) throw bad(what, 'a descriptor is not an object');
  const { mediaType, digest, size, artifactType } = v;
  if (typeof mediaType !== 'string' || mediaType.length === 0 || mediaType.length > 255) throw bad(what, 'a descriptor has no valid mediaType');
  // Only sha256: layer digests are compared with OMS sha256 file digests.
  if (typeof digest !== 'string' || !DIGEST.test(digest)) throw bad(what, `descriptor digest ${JSON.stringify(String(digest).slice(0, 80))} is not sha256:<64 hex>`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad(what, `descriptor ${digest} has no valid size`);
  if (artifactType !== undefined && typeof artifactType !== 'string') throw bad(what, `descriptor ${digest} has a non-string artifactType`);
  const annotations = annotationsOf(v.annotations, what);
  return { mediaType, digest, size, ...(artifactType !== undefined ? { artifactType } : {}), ...(annotations ? { annotations } : {}) };
}

function parseObject(bytes: Buffer, what: string): Record<string, unknown> {
  const json = parseStrictJson(bytes, { code: 'OCI_MANIFEST_INVALID', what });
  if (!isObject(json)) throw bad(what, 'is not a JSON object');
  if (json.schemaVersion !== 2) throw bad(what, 'schemaVersion is not 2');
  return json;
}

/** An OCI image manifest (the only kind modelseal signs: Docker v2 and indexes are refused). */
export function parseImageManifest(bytes: Buffer, what: string): ImageManifest {
  const json = parseObject(bytes, what);
  if (json.mediaType !== OCI_MANIFEST) throw bad(what, `mediaType ${JSON.stringify(String(json.mediaType).slice(0, 100))} is not an OCI image manifest (${OCI_MANIFEST}); pin a single model manifest`);
  if (!Array.isArray(json.layers)) throw bad(what, 'layers is not a list');
  if (json.layers.length > MAX_LAYERS) throw bad(what, `has ${json.layers.length} layers, over the limit of ${MAX_LAYERS}`);
  if (json.artifactType !== undefined && typeof json.artifactType !== 'string') throw bad(what, 'artifactType is not a string');
  const annotations = annotationsOf(json.annotations, what);
  return {
    mediaType: OCI_MANIFEST,
    ...(json.artifactType !== undefined ? { artifactType: json.artifactType as string } : {}),
    config: parseDescriptor(json.config, what),
    layers: json.layers.map((l) => parseDescriptor(l, what)),
    ...(json.subject !== undefined ? { subject: parseDescriptor(json.subject, what) } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

export function parseImageIndex(bytes: Buffer, what: string): ImageIndex {
  const json = parseObject(bytes, what);
  if (json.mediaType !== undefined && json.mediaType !== OCI_INDEX) throw bad(what, `mediaType is not an OCI image index (${OCI_INDEX})`);
  if (!Array.isArray(json.manifests)) throw bad(what, 'manifests is not a list');
  if (json.manifests.length > MAX_LAYERS) throw bad(what, `lists ${json.manifests.length} manifests, over the limit of ${MAX_LAYERS}`);
  return { mediaType: OCI_INDEX, manifests: json.manifests.map((m) => parseDescriptor(m, what)) };
}
