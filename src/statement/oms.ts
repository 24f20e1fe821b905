import { ModelsealError } from '../errors';
import { digestBytes, parseHashAlgorithm, type HashAlgorithm } from '../digest/algorithms';
import { packedManifest, resourceListOf, rootDigestOf, resourceAlgorithm, type Manifest, type Serialization } from '../digest/manifest';
import { isIgnored } from '../digest/ignore';
import { NameIndex } from '../digest/name-index';
import { ResourceListBuilder, type ResourceList } from '../digest/resource-list';
import { StreamedItems } from '../envelope/strict-json';
import { maxResources } from '../envelope/signature-limit';
import { isObject, parseStatement, serializeStatement, STATEMENT_TYPE_V1, type Statement } from './statement';
import { checkFileNames, quoted } from '../names';

export const OMS_PREDICATE_TYPE = 'https://model_signing/signature/v1.0';
/** Any minor version of the v1 predicate is accepted, as the OMS versioning rules say. */
const OMS_PREDICATE_V1 = /^https:\/\/model_signing\/signature\/v1\.\d+$/;

export interface OmsStatement {
  predicateType: string;
  subjectName: string;
  manifest: Manifest;
}

/** Builds the OMS v1.0 statement for a manifest, in model_signing's field order. */
export function buildOmsStatement(manifest: Manifest, subjectName: string): Statement<unknown> {
  const serialization = serializationJson(manifest.serialization);
  return {
    _type: STATEMENT_TYPE_V1,
    subject: [{ name: subjectName, digest: { sha256: manifest.rootDigest } }],
    predicateType: OMS_PREDICATE_TYPE,
    predicate: {
      serialization,
      resources: manifest.resources.map((r) => ({ name: r.name, algorithm: r.algorithm, digest: r.digest })),
    },
  };
}

/** One resource entry of the 2-space-indented statement, without its name and algorithm values. */
const ENTRY_FIXED = Buffer.byteLength('      {\n        "name": ' + ',\n        "algorithm": ' + ',\n        "digest": ' + '\n      }');

/**
 * The exact length in bytes of the statement `buildOmsStatement` + `serializeStatement`
 * will write for `count` resources whose names, as JSON strings, take `nameJsonBytes`
 * bytes in all: known before anything is hashed (digests have a fixed length).
 */
export function omsStatementLength(serialization: Serialization, subjectName: string, count: number, nameJsonBytes: number): number {
  const algorithm = resourceAlgorithm(serialization);
  const hex = digestBytes(serialization.hashType) * 2;
  const entry = ENTRY_FIXED + Buffer.byteLength(JSON.stringify(algorithm)) + hex + 2;
  const one: Manifest = { serialization, resources: [{ name: '', algorithm, digest: '0'.repeat(hex) }], rootDigest: '0'.repeat(64) };
  const base = serializeStatement(buildOmsStatement(one, subjectName)).length - (entry + 2);
  return base + count * entry + nameJsonBytes + (count - 1) * 2;
}

/** The serialization as OMS writes it (snake_case, shard_size and ignore_paths only when used). */
export function serializationJson(s: Serialization): Record<string, unknown> {
  const out: Record<string, unknown> = { method: s.method, hash_type: s.hashType, allow_symlinks: s.allowSymlinks };
  if (s.method === 'shards') out.shard_size = s.shardSize;
  if (s.ignorePaths.length > 0) out.ignore_paths = [...s.ignorePaths];
  return out;
}

function entryText(name: string, algorithmJson: string, digest: string): string {
  return `      {\n        "name": ${JSON.stringify(name)},\n        "algorithm": ${algorithmJson},\n        "digest": ${JSON.stringify(digest)}\n      }`;
}

/** Bytes per chunk of a streamed statement. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * The OMS statement's bytes, exactly as `serializeStatement(buildOmsStatement(...))`
 * writes them, produced from the packed manifest: no statement object, no string of the
 * whole statement. `length` is known before any chunk is made (the DSSE header needs it);
 * `chunks()` yields views of one reused buffer, each valid until the next is asked for, so
 * a signer and a writer can take a million-file statement without it being held at all.
 */
export function omsStatementChunks(manifest: Manifest, subjectName: string): { length: number; chunks: () => Generator<Uint8Array> } {
  const s = manifest.serialization;
  const list = resourceListOf(manifest);
  if (list.length === 0) {
    const whole = serializeStatement(buildOmsStatement(manifest, subjectName));
    return { length: whole.length, chunks: function* () { yield whole; } };
  }
  const algorithmJson = JSON.stringify(resourceAlgorithm(s));
  const hex = digestBytes(s.hashType) * 2;
  const placeholder = { name: '', algorithm: resourceAlgorithm(s), digest: '0'.repeat(hex) };
  const one = serializeStatement(buildOmsStatement({ serialization: s, resources: [placeholder], rootDigest: manifest.rootDigest }, subjectName)).toString('utf8');
  const marker = entryText('', algorithmJson, placeholder.digest);
  const at = one.indexOf(marker);
  if (at < 0 || one.indexOf(marker, at + 1) >= 0) throw new Error('internal: the OMS statement layout is not the expected one');
  const head = one.slice(0, at);
  const tail = one.slice(at + marker.length);
  let nameBytes = 0;
  for (let i = 0; i < list.length; i++) nameBytes += Buffer.byteLength(JSON.stringify(list.name(i)));
  const length = omsStatementLength(s, subjectName, list.length, nameBytes);
  function* chunks(): Generator<Uint8Array> {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let o = 0;
    let total = 0;
    function* put(text: string): Generator<Uint8Array> {
      const n = Buffer.byteLength(text);
      if (o + n > buffer.length && o > 0) {
        yield buffer.subarray(0, o);
        o = 0;
      }
      if (n > buffer.length) yield Buffer.from(text);
      else o += buffer.write(text, o);
      total += n;
    }
    yield* put(head);
    for (let i = 0; i < list.length; i++) yield* put((i > 0 ? ',\n' : '') + entryText(list.name(i), algorithmJson, list.digest(i)));
    yield* put(tail);
    if (o > 0) yield buffer.subarray(0, o);
    if (total !== length) throw new Error(`internal: the OMS statement is ${total} bytes, ${length} were computed`);
  }
  return { length, chunks };
}

/**
 * The statement of `omsStatementChunks` in one buffer, after `header(length)` (the DSSE
 * pre-authentication header, so that the payload is signed without being copied).
 */
export function serializeOmsStatementInto(manifest: Manifest, subjectName: string, header: (length: number) => Buffer = () => Buffer.alloc(0)): { buffer: Buffer; offset: number; length: number } {
  const { length, chunks } = omsStatementChunks(manifest, subjectName);
  const h = header(length);
  const buffer = Buffer.allocUnsafe(h.length + length);
  h.copy(buffer, 0);
  let o = h.length;
  for (const c of chunks()) {
    buffer.set(c, o);
    o += c.length;
  }
  return { buffer, offset: h.length, length };
}

const HEX = /^[0-9a-f]+$/;
const OFFSET = /^(0|[1-9][0-9]*)$/;
const SERIALIZATION_KEYS = ['method', 'hash_type', 'allow_symlinks', 'shard_size', 'ignore_paths'];

/** A resource or ignore path must be a plain relative POSIX path: no "..", ".", empty segments, "\\" or NUL. */
export function isSafeRelativePath(name: string): boolean {
  if (name === '' || name.startsWith('/') || /[\\\0]/.test(name)) return false;
  return name.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

export function parseSerialization(v: unknown, bad: (m: string) => ModelsealError, file?: string): Serialization {
  if (!isObject(v)) throw bad('predicate.serialization is missing');
  for (const k of Object.keys(v)) if (!SERIALIZATION_KEYS.includes(k)) throw bad(`unknown serialization field ${quoted(k)}`);
  if (v.method !== 'files' && v.method !== 'shards') throw bad(`unknown serialization method ${quoted(v.method)}`);
  const hashType: HashAlgorithm = parseHashAlgorithm(v.hash_type, file);
  if (typeof v.allow_symlinks !== 'boolean') throw bad('serialization.allow_symlinks is not a boolean');
  let shardSize: number | undefined;
  if (v.method === 'shards') {
    // model_signing writes shard_size as a float (1000000000.0); JSON gives the same number.
    if (typeof v.shard_size !== 'number' || !Number.isSafeInteger(v.shard_size) || v.shard_size <= 0) {
      throw bad(`serialization.shard_size ${quoted(v.shard_size)} is not a positive integer`);
    }
    shardSize = v.shard_size;
  } else if (v.shard_size !== undefined) {
    throw bad('serialization.shard_size is only allowed for the shards method');
  }
  const ignorePaths: string[] = [];
  if (v.ignore_paths !== undefined) {
    if (!Array.isArray(v.ignore_paths)) throw bad('serialization.ignore_paths is not a list');
    for (const p of v.ignore_paths) {
      if (typeof p !== 'string' || !isSafeRelativePath(p)) throw bad(`serialization.ignore_paths holds an unsafe path ${quoted(p)}`);
      ignorePaths.push(p);
    }
  }
  return { method: v.method, hashType, ...(shardSize !== undefined ? { shardSize } : {}), allowSymlinks: v.allow_symlinks, ignorePaths };
}

interface ShardName {
  path: string;
  start: number;
  end: number;
}

/** Parses `path:start:end` from the right, so paths may contain ":" (the OMS rule). */
export function parseShardName(name: string): ShardName | null {
  const j = name.lastIndexOf(':');
  const i = j > 0 ? name.lastIndexOf(':', j - 1) : -1;
  if (i <= 0) return null;
  const [p, s, e] = [name.slice(0, i), name.slice(i + 1, j), name.slice(j + 1)];
  if (!OFFSET.test(s) || !OFFSET.test(e)) return null;
  const start = Number(s);
  const end = Number(e);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start >= end) return null;
  return { path: p, start, end };
}

/** Shards of each file must tile it from offset 0 in shard_size steps: no gaps, no overlaps. */
function checkShardTiling(shards: ShardName[], shardSize: number, bad: (m: string) => ModelsealError): void {
  const byPath = new Map<string, ShardName[]>();
  for (const s of shards) {
    const list = byPath.get(s.path) ?? [];
    list.push(s);
    byPath.set(s.path, list);
  }
  for (const [p, list] of byPath) {
    list.sort((a, b) => a.start - b.start);
    let expect = 0;
    for (let k = 0; k < list.length; k++) {
      const s = list[k];
      const last = k === list.length - 1;
      if (s.start !== expect) throw bad(`shards of ${quoted(p)} ${s.start < expect ? 'overlap' : 'leave a gap'} at offset ${expect}`);
      const len = s.end - s.start;
      if (len > shardSize || (!last && len !== shardSize)) throw bad(`shard ${quoted(`${p}:${s.start}:${s.end}`)} does not match shard_size ${shardSize}`);
      expect = s.end;
    }
  }
}

/**
 * Collects predicate.resources as the statement is parsed (the strict reader hands over
 * one entry at a time), packed: no object per resource is kept. Shape problems are noted
 * at their index and reported by parseResources in listed order, after the serialization
 * they are judged against has been read (it may come later in the statement).
 */
/** The shortest resource entry JSON can write, without its digest: {"name":"","algorithm":"","digest":""}. */
const MIN_ENTRY = 38;

export class ResourceCollector {
  private builder: ResourceListBuilder | undefined;
  private readonly limit = maxResources();
  /** First entry that is not an object with string name, algorithm and digest. */
  firstShapeProblem = -1;
  /** First entry whose digest is not lowercase hex of the first entry's length. */
  firstBadDigest = -1;
  count = 0;

  /** `statementBytes`: the size of the statement being parsed, if known (sizes the buffers). */
  constructor(
    private readonly statementBytes = 0,
    private readonly file?: string,
  ) {}

  readonly onItem = (r: unknown): void => {
    const i = this.count++;
    if (i >= this.limit || this.firstShapeProblem >= 0) return;
    if (!isObject(r) || typeof r.name !== 'string' || typeof r.algorithm !== 'string' || typeof r.digest !== 'string') {
      this.firstShapeProblem = i;
      return;
    }
    // Sized for the most entries the statement can hold (untouched pages cost nothing).
    if (!this.builder) this.builder = new ResourceListBuilder(r.digest.length >> 1, Math.ceil(this.statementBytes / (MIN_ENTRY + r.digest.length)) + 1, this.statementBytes >> 1);
    const ok = HEX.test(r.digest) && r.digest.length === this.builder.width * 2 && r.digest.length > 0;
    if (!ok && this.firstBadDigest < 0) this.firstBadDigest = i;
    try {
      this.builder.add(r.name, r.algorithm, ok ? r.digest : Buffer.alloc(this.builder.width));
    } catch (err) {
      throw err instanceof ModelsealError ? new ModelsealError(err.code, err.message, { file: this.file }) : err;
    }
  };

  list(): ResourceList {
    return (this.builder ?? new ResourceListBuilder(0, 0)).finish();
  }
}

function parseResources(v: unknown, collected: ResourceCollector | undefined, serialization: Serialization, bad: (m: string) => ModelsealError, file?: string): ResourceList {
  let collector = collected;
  if (v instanceof StreamedItems) {
    if (!collector || collector.count !== v.count) throw new Error('internal: streamed resources without their collector');
  } else {
    if (!Array.isArray(v)) throw bad('predicate.resources is not a list');
    collector = new ResourceCollector(0, file);
    for (const r of v) collector.onItem(r);
  }
  if (collector.count === 0) throw bad('predicate.resources is empty: nothing is signed');
  const max = maxResources();
  if (collector.count > max) throw bad(`lists ${collector.count} resources, over the limit of ${max} (set MODELSEAL_MAX_RESOURCES to accept more)`);
  const list = collector.list();
  checkResourceList(list, serialization, bad, file, { shapeAt: collector.firstShapeProblem, badDigestAt: collector.firstBadDigest });
  return list;
}

/**
 * What a signed resource list must be, whoever made it: verify reads every signature
 * through it, and sign --from-manifest checks given digests with it before signing them.
 * Names are safe relative paths (shard names path:start:end tiling their files), listed
 * once, with the serialization's algorithm and digest width. `problems` are the first
 * entries a collector could not pack (reported in listed order).
 */
export function checkResourceList(list: ResourceList, serialization: Serialization, bad: (m: string) => ModelsealError, file?: string, problems = { shapeAt: -1, badDigestAt: -1 }): void {
  const want = digestBytes(serialization.hashType);
  const accepted = new Set([serialization.hashType, resourceAlgorithm(serialization)]);
  const shards = serialization.method === 'shards';
  const shardNames: ShardName[] = [];
  const { shapeAt, badDigestAt } = problems;
  const ignored = new Set(serialization.ignorePaths);
  const n = shapeAt >= 0 ? shapeAt + 1 : list.length;
  for (let i = 0; i < n; i++) {
    if (i === shapeAt) throw bad('a resource lacks a string name, algorithm or digest');
    const name = list.name(i);
    const shard = shards ? parseShardName(name) : null;
    const path = shards ? shard?.path : name;
    if (path === undefined) throw bad(`resource ${quoted(name)} is not a shard name path:start:end`);
    if (path !== '.' && !isSafeRelativePath(path)) throw bad(`resource name ${quoted(name)} is not a safe relative path`);
    // The walk never lists what the signature ignores: no folder could give this resource.
    if (isIgnored(path, ignored)) throw bad(`resource ${quoted(name)} is under a path the signature ignores (serialization.ignore_paths)`);
    if (!accepted.has(list.algorithm(i))) throw bad(`resource ${quoted(name)} has algorithm ${quoted(list.algorithm(i))}, expected ${serialization.hashType}`);
    if (i === badDigestAt || list.width !== want) throw bad(`resource ${quoted(name)} has a malformed ${serialization.hashType} digest`);
    if (shard) shardNames.push(shard);
  }
  const { index, duplicate } = NameIndex.of(list);
  if (duplicate) throw bad(`resource ${quoted(list.name(duplicate[1]))} is listed twice`);
  if (shards) checkShardTiling(shardNames, serialization.shardSize as number, bad);
  if (!shards && list.length > 1 && index.find('.') >= 0) throw bad('resource "." (single file) cannot be listed with other files');
  checkFileNames(shards ? new Set(shardNames.map((s) => s.path)) : namesOf(list), 'MANIFEST_INVALID', file);
}

function* namesOf(list: ResourceList): Generator<string> {
  for (let i = 0; i < list.length; i++) yield list.name(i);
}

/**
 * Parses signed payload bytes as an OMS statement, reading predicate.resources packed as
 * they are parsed (a million-resource statement never becomes a million objects).
 */
export function readOmsStatement(payload: Buffer, file?: string): OmsStatement {
  const { statement, collector } = readStatementCollecting(payload, file);
  return parseOmsStatement(statement, file, collector);
}

/** The statement, with predicate.resources (if any) collected packed for parseOmsStatement. */
export function readStatementCollecting(payload: Buffer, file?: string): { statement: Statement; collector: ResourceCollector } {
  const collector = new ResourceCollector(payload.length, file);
  return { statement: parseStatement(payload, file, { path: ['predicate', 'resources'], onItem: collector.onItem }), collector };
}

/**
 * Checks a parsed statement as an OMS v1.x model signature and returns its manifest.
 * The subject digest must equal the root recomputed from the resources in listed order.
 */
export function parseOmsStatement(statement: Statement, file?: string, collected?: ResourceCollector): OmsStatement {
  const bad = (m: string) => new ModelsealError('MANIFEST_INVALID', m, { file });
  if (!OMS_PREDICATE_V1.test(statement.predicateType)) {
    throw new ModelsealError('STATEMENT_INVALID', `predicateType ${quoted(statement.predicateType)} is not an OMS model signature (${OMS_PREDICATE_TYPE})`, { file });
  }
  if (statement.subject.length !== 1) {
    throw new ModelsealError('STATEMENT_INVALID', `an OMS statement has exactly one subject, this one has ${statement.subject.length}`, { file });
  }
  const subject = statement.subject[0];
  const root = subject.digest?.sha256;
  if (typeof root !== 'string' || !/^[0-9a-f]{64}$/.test(root)) {
    throw new ModelsealError('STATEMENT_INVALID', 'the subject has no valid sha256 digest', { file });
  }
  const predicate = statement.predicate;
  // v1.0 allows no other predicate fields; later minors may add fields v1.0 readers ignore.
  if (statement.predicateType === OMS_PREDICATE_TYPE) {
    for (const k of Object.keys(predicate)) {
      if (k !== 'serialization' && k !== 'resources') throw bad(`unknown predicate field ${quoted(k)}`);
    }
  }
  const serialization = parseSerialization(predicate.serialization, bad, file);
  const resources = parseResources(predicate.resources, collected, serialization, bad, file);
  const recomputed = rootDigestOf(resources);
  if (recomputed !== root) {
    throw new ModelsealError('DIGEST_MISMATCH', `the subject digest ${root} is not the root of the signed resources (${recomputed})`, { file });
  }
  return {
    predicateType: statement.predicateType,
    subjectName: typeof subject.name === 'string' ? subject.name : '',
    manifest: packedManifest(serialization, resources, root),
  };
}
