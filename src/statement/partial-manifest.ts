import { ModelsealError } from '../errors';
import { digestBytes } from '../digest/algorithms';
import { resourceAlgorithm, type Serialization } from '../digest/manifest';
import { checkPart, type Part } from '../digest/partition';
import { MAX_BUNDLE_BYTES, parseJson, readBoundedFile } from '../envelope/read-json';
import { isObject } from './statement';
import { parseSerialization, parseShardName, serializationJson } from './oms';

/**
 * A partial manifest: the resource digests one worker computed for its part of an
 * artifact (`digest --part i/n --manifest-out`), or a complete digest list made by
 * someone else (part 0/1). `sign --from-manifest` joins the parts and signs them
 * without hashing. It is our own JSON, read with the strict reader, and carries each
 * resource's size so that the join can be checked against the tree's names and sizes.
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

const KEYS = ['mediaType', 'part', 'name', 'serialization', 'resources'];
const HEX = /^[0-9a-f]+$/;

/** One resource per line, so parts can be read and diffed by people. */
export function serializePartialManifest(m: PartialManifest): string {
  const algorithm = resourceAlgorithm(m.serialization);
  const head = JSON.stringify({ mediaType: PARTIAL_MANIFEST_MEDIA_TYPE, part: m.part, name: m.name, serialization: serializationJson(m.serialization) });
  const lines = m.resources.map((r) => JSON.stringify({ name: r.name, algorithm, digest: r.digest, size: r.size }));
  return `${head.slice(0, -1)},"resources":[${lines.length ? `\n${lines.join(',\n')}\n` : ''}]}\n`;
}

export function parsePartialManifest(json: unknown, file: string): PartialManifest {
  const bad = (m: string) => new ModelsealError('PARTS_INVALID', m, { file });
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
  const serialization = parseSerialization(json.serialization, (m) => bad(m), file);
  if (!Array.isArray(json.resources)) throw bad('resources is not a list');
  const algorithm = resourceAlgorithm(serialization);
  const hex = digestBytes(serialization.hashType) * 2;
  const resources: PartialResource[] = json.resources.map((r: unknown) => {
    if (!isObject(r) || typeof r.name !== 'string' || typeof r.digest !== 'string' || typeof r.size !== 'number') throw bad('a resource lacks a string name or digest, or a size');
    for (const k of Object.keys(r)) if (!['name', 'algorithm', 'digest', 'size'].includes(k)) throw bad(`unknown resource field ${JSON.stringify(k)}`);
    const label = JSON.stringify(r.name.slice(0, 200));
    if (r.algorithm !== undefined && r.algorithm !== algorithm) throw bad(`resource ${label} has algorithm ${JSON.stringify(r.algorithm)}, expected ${algorithm}`);
    if (!HEX.test(r.digest) || r.digest.length !== hex) throw bad(`resource ${label} has a malformed ${serialization.hashType} digest`);
    if (!Number.isSafeInteger(r.size) || r.size < 0) throw bad(`resource ${label} has an invalid size`);
    if (serialization.method === 'shards') {
      const s = parseShardName(r.name);
      if (!s || s.end - s.start !== r.size) throw bad(`resource ${label} is not a shard name path:start:end of its size`);
    }
    return { name: r.name, digest: r.digest, size: r.size };
  });
  return { part, name: json.name, serialization, resources };
}

export function readPartialManifest(file: string): PartialManifest {
  const bytes = readBoundedFile(file, MAX_BUNDLE_BYTES, { tooLarge: 'PARTS_INVALID' });
  return parsePartialManifest(parseJson(bytes, file, 'PARTS_INVALID', 'the partial manifest'), file);
}
