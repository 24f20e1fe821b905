import { ModelsealError } from '../errors';
import { digestBytes } from '../digest/algorithms';
import { resourceAlgorithm, type Serialization } from '../digest/manifest';
import { checkPart, type Part } from '../digest/partition';
import { ResourceList, ResourceListBuilder } from '../digest/resource-list';
import { maxBundleBytes, parseJson, readBoundedFile } from '../envelope/read-json';
import { StreamedItems } from '../envelope/strict-json';
import { isObject } from './statement';
import { parseSerialization, parseShardName, serializationJson } from './oms';

/**
 * A partial manifest: the resource digests one worker computed for its part of an
 * artifact (`digest --part i/n --manifest-out`), or a complete digest list made by
 * someone else (part 0/1). `sign --from-manifest` joins the parts and signs them
 * without hashing. It is our own JSON, read with the strict reader, and carries each
 * resource's size so that the join can be checked against the tree's names and sizes.
 * Commands read and write it packed (PackedPart): a part of a million resources is
 * never an object per resource.
 */
export const PARTIAL_MANIFEST_MEDIA_TYPE = 'application/vnd.modelseal.partial-manifest.v1+json';

export interface PartialResource {
  name: string;
  digest: string;
  /** Bytes hashed: the file's size, or the shard's length. */
  size: number;
}

export interface PartialManifest {
  part: Part;
  /** The subject name the signature will carry (the artifact's base name). */
  name: string;
  serialization: Serialization;
  resources: PartialResource[];
}

/** A partial manifest with its resources packed: names and digests in a list, sizes beside it. */
export interface PackedPart extends Omit<PartialManifest, 'resources'> {
  list: ResourceList;
  sizes: Float64Array;
}

export function unpackPart(p: PackedPart): PartialManifest {
  const resources: PartialResource[] = [];
  for (let i = 0; i < p.list.length; i++) resources.push({ name: p.list.name(i), digest: p.list.digest(i), size: p.sizes[i] });
  return { part: p.part, name: p.name, serialization: p.serialization, resources };
}

function packPart(m: PartialManifest): PackedPart {
  const algorithm = resourceAlgorithm(m.serialization);
  return { part: m.part, name: m.name, serialization: m.serialization, list: ResourceList.from(m.resources.map((r) => ({ name: r.name, algorithm, digest: r.digest }))), sizes: Float64Array.from(m.resources, (r) => r.size) };
}

const KEYS = ['mediaType', 'part', 'name', 'serialization', 'resources'];
const RESOURCE_KEYS = ['name', 'algorithm', 'digest', 'size'];
const HEX = /^[0-9a-f]+$/;
/** Characters of text per chunk written. */
const CHUNK_CHARS = 1 << 20;

/** The file's text in chunks, one resource per line, so parts can be read and diffed by people. */
export function* partialManifestChunks(p: PackedPart): Generator<string> {
  const algorithm = JSON.stringify(resourceAlgorithm(p.serialization));
  const head = JSON.stringify({ mediaType: PARTIAL_MANIFEST_MEDIA_TYPE, part: p.part, name: p.name, serialization: serializationJson(p.serialization) });
  let text = `${head.slice(0, -1)},"resources":[${p.list.length ? '\n' : ''}`;
  for (let i = 0; i < p.list.length; i++) {
    text += `{"name":${JSON.stringify(p.list.name(i))},"algorithm":${algorithm},"digest":"${p.list.digest(i)}","size":${JSON.stringify(p.sizes[i])}}${i + 1 < p.list.length ? ',\n' : '\n'}`;
    if (text.length >= CHUNK_CHARS) {
      yield text;
      text = '';
    }
  }
  yield `${text}]}\n`;
}

export function serializePartialManifest(m: PartialManifest): string {
  return Array.from(partialManifestChunks(packPart(m))).join('');
}

/** The shortest resource entry of a part, without its digest: {"name":"","digest":"","size":0}. */
const MIN_ENTRY = 32;

/**
 * Packs `resources` as the strict reader hands them over. What needs no serialization is
 * checked at once; the algorithm, digest width and shard names are checked by `finish`,
 * in listed order, once the serialization (which may come later in the file) is known.
 */
class PartCollector {
  private builder: ResourceListBuilder | undefined;
  private readonly sizes: Float64Array;
  /** 1 where the entry names an algorithm (the builder holds it), 0 where it has none. */
  private readonly named: Uint8Array;
  private firstBadDigest = -1;
  count = 0;

  constructor(
    private readonly bytes: number,
    private readonly bad: (m: string) => ModelsealError,
  ) {
    // Sized for the most entries the file can hold (untouched pages cost nothing).
    const most = Math.ceil(bytes / MIN_ENTRY) + 1;
    this.sizes = new Float64Array(most);
    this.named = new Uint8Array(most);
  }

  readonly onItem = (r: unknown): void => {
    if (!isObject(r) || typeof r.name !== 'string' || typeof r.digest !== 'string' || typeof r.size !== 'number') throw this.bad('a resource lacks a string name or digest, or a size');
    for (const k of Object.keys(r)) if (!RESOURCE_KEYS.includes(k)) throw this.bad(`unknown resource field ${JSON.stringify(k)}`);
    if (r.algorithm !== undefined && typeof r.algorithm !== 'string') throw this.bad(`resource ${label(r.name)} has algorithm ${JSON.stringify(r.algorithm)}, not a string`);
    if (!Number.isSafeInteger(r.size) || r.size < 0) throw this.bad(`resource ${label(r.name)} has an invalid size`);
    if (this.count === this.sizes.length) throw new Error('internal: more resources than the file can hold');
    // Sized for the most entries of this digest length the file can hold (untouched pages cost nothing).
    this.builder ??= new ResourceListBuilder(r.digest.length >> 1, Math.ceil(this.bytes / (MIN_ENTRY + r.digest.length)) + 1, this.bytes >> 1);
    const ok = HEX.test(r.digest) && r.digest.length === this.builder.width * 2;
    if (!ok && this.firstBadDigest < 0) this.firstBadDigest = this.count;
    try {
      this.builder.add(r.name, r.algorithm ?? '', ok ? r.digest : Buffer.alloc(this.builder.width));
    } catch (err) {
      throw err instanceof ModelsealError ? this.bad(err.message) : err;
    }
    this.named[this.count] = r.algorithm === undefined ? 0 : 1;
    this.sizes[this.count++] = r.size;
  };

  finish(serialization: Serialization): { list: ResourceList; sizes: Float64Array } {
    const raw = (this.builder ?? new ResourceListBuilder(digestBytes(serialization.hashType), 0)).finish();
    const algorithm = resourceAlgorithm(serialization);
    const hex = digestBytes(serialization.hashType) * 2;
    for (let i = 0; i < raw.length; i++) {
      const name = raw.name(i);
      if (this.named[i] === 1 && raw.algorithm(i) !== algorithm) throw this.bad(`resource ${label(name)} has algorithm ${JSON.stringify(raw.algorithm(i))}, expected ${algorithm}`);
      if (i === this.firstBadDigest || raw.width * 2 !== hex) throw this.bad(`resource ${label(name)} has a malformed ${serialization.hashType} digest`);
      if (serialization.method === 'shards') {
        const s = parseShardName(name);
        if (!s || s.end - s.start !== this.sizes[i]) throw this.bad(`resource ${label(name)} is not a shard name path:start:end of its size`);
      }
    }
    return { list: raw.withAlgorithm(algorithm), sizes: this.sizes.slice(0, this.count) };
  }
}

function label(name: string): string {
  return JSON.stringify(name.slice(0, 200));
}

function parsePart(text: Buffer, file: string): PackedPart {
  const bad = (m: string) => new ModelsealError('PARTS_INVALID', m, { file });
  const collector = new PartCollector(text.length, bad);
  const json = parseJson(text, file, 'PARTS_INVALID', 'the partial manifest', { items: { path: ['resources'], onItem: collector.onItem } });
  if (!isObject(json)) throw bad('is not a JSON object');
  for (const k of Object.keys(json)) if (!KEYS.includes(k)) throw bad(`unknown field ${JSON.stringify(k)}`);
  if (json.mediaType !== PARTIAL_MANIFEST_MEDIA_TYPE) throw bad(`is not a partial manifest (mediaType ${PARTIAL_MANIFEST_MEDIA_TYPE})`);
  const p = json.part;
  if (!isObject(p) || Object.keys(p).some((k) => k !== 'index' && k !== 'count') || typeof p.index !== 'number' || typeof p.count !== 'number') throw bad('part must be {"index": I, "count": N}');
  let part: Part;
  try {
    part = checkPart({ index: p.index, count: p.count });
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (typeof json.name !== 'string') throw bad('name (the subject name) is not a string');
  let serialization: Serialization;
  try {
    serialization = parseSerialization(json.serialization, (m) => bad(m), file);
  } catch (err) {
    // An unknown hash is a refusal in a signature, but a part is input: the same code as its other faults.
    if (err instanceof ModelsealError && err.code === 'UNSUPPORTED_ALGORITHM') throw bad(err.reason);
    throw err;
  }
  if (!(json.resources instanceof StreamedItems)) throw bad('resources is not a list');
  return { part, name: json.name, serialization, ...collector.finish(serialization) };
}

/** Reads a partial manifest packed, with the strict JSON reader: what `sign --from-manifest` reads. */
export function readPackedPart(file: string): PackedPart {
  return parsePart(readBoundedFile(file, maxBundleBytes(), { tooLarge: 'PARTS_INVALID' }), file);
}

export function readPartialManifest(file: string): PartialManifest {
  return unpackPart(readPackedPart(file));
}
