import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelsealError, fsError } from '../errors';
import { digestBytes, type HashAlgorithm } from './algorithms';
import { fileChanged, hashRanges, shardRanges, type ByteRange } from './hash-file';
import { hashOnThisThread, hashOnWorkers, type ResultSink } from './hash-pool';
import { workerEntry } from './worker-entry';
import { planHashing, type HashPlan } from './hash-plan';
import { HF_LOCAL_DIR_METADATA, wantsHubMetadataIgnore } from './hf-cache';
import { DEFAULT_IGNORES, normalizeIgnorePath } from './ignore';
import { partSlice, type Part } from './partition';
import { walkArtifact, type ArtifactFile, type ArtifactTree } from './walk';
import { quoted } from '../names';
import { ResourceList, ResourceListBuilder, type ResourceDigest } from './resource-list';
import { progressScope } from './progress-scope';

export type SerializationMethod = 'files' | 'shards';

export const DEFAULT_SHARD_SIZE = 1_000_000_000;

export interface Serialization {
  method: SerializationMethod;
  hashType: HashAlgorithm;
  /** Bytes per shard; only for the `shards` method. */
  shardSize?: number;
  allowSymlinks: boolean;
  /** Paths excluded from the manifest, relative to the root (recorded in the signature). */
  ignorePaths: string[];
}

export type { ResourceDigest };

export interface Manifest {
  serialization: Serialization;
  resources: ResourceDigest[];
  /** Hex SHA-256 over the raw resource digests in listed order: the OMS subject digest. */
  rootDigest: string;
}

const PACKED = Symbol('modelseal.packedResources');
type Packed = Manifest & { [PACKED]?: ResourceList };

/**
 * A manifest over packed resources: `resources` is made (once) only when read, so the
 * paths that handle millions of resources (sign, verify) never hold an object per resource.
 * Assigning `resources` replaces the packed list.
 */
export function packedManifest(serialization: Serialization, list: ResourceList, rootDigest: string): Manifest {
  const m = { serialization, rootDigest } as Packed;
  let array: ResourceDigest[] | undefined;
  Object.defineProperty(m, PACKED, { value: list, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(m, 'resources', {
    enumerable: true,
    configurable: true,
    get: () => (array ??= list.toArray()),
    set: (v: ResourceDigest[]) => {
      array = v;
      m[PACKED] = undefined;
    },
  });
  return m;
}

/** The resources of any manifest, packed (a manifest built as a plain object is packed on demand). */
export function resourceListOf(manifest: Manifest): ResourceList {
  return (manifest as Packed)[PACKED] ?? ResourceList.from(manifest.resources);
}

/** How many resources a manifest lists, without unpacking them. */
export function resourceCount(manifest: Manifest): number {
  return ((manifest as Packed)[PACKED] ?? manifest.resources).length;
}

export interface ProgressEvent {
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
}

export interface DigestOptions {
  method?: SerializationMethod;
  hashType?: HashAlgorithm;
  shardSize?: number;
  allowSymlinks?: boolean;
  /** Extra ignore paths (relative to the artifact root, or absolute inside it). */
  ignorePaths?: string[];
  /** Skip model_signing's default ignores (.git, .gitattributes, .github, .gitignore). */
  noDefaultIgnores?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  /**
   * Hashing threads. Default: one per core (`os.availableParallelism()`), or none
   * for small artifacts where starting threads costs more than it saves.
   * 0 hashes on the calling thread. Results are the same whatever the count.
   */
  threads?: number;
  /** Called with the walked tree before anything is read: may refuse (e.g. a signature that would be too large). */
  beforeHashing?: (tree: ArtifactTree, serialization: Serialization) => void;
  /** Hash only this part of the resources (digest --part); the manifest then lists that part only. */
  part?: Part;
}

export interface HashOptions {
  onProgress?: (event: ProgressEvent) => void;
  threads?: number;
  /** Hash only this part of the resources (partition.ts); the manifest then lists that part only. */
  part?: Part;
}

/** The resources of a tree in manifest order, as units of work: which file, which bytes. */
export interface TreeUnits {
  /** Unit u covers bytes [start[u], end[u]) of file fileOf[u]. */
  fileOf: Uint32Array;
  start: Float64Array;
  end: Float64Array;
}

/** One unit per file (files method) or per shard (shards method; empty files have none). */
export function treeUnits(files: ReadonlyArray<{ size: number }>, shardSize: number | undefined): TreeUnits {
  let n = 0;
  for (const f of files) n += shardSize === undefined ? 1 : Math.ceil(f.size / shardSize);
  const units: TreeUnits = { fileOf: new Uint32Array(n), start: new Float64Array(n), end: new Float64Array(n) };
  let u = 0;
  files.forEach((f, i) => {
    const step = shardSize ?? Math.max(f.size, 1);
    for (let start = 0; start < f.size || (shardSize === undefined && start === 0); start += step) {
      units.fileOf[u] = i;
      units.start[u] = start;
      units.end[u] = Math.min(start + step, f.size);
      u++;
    }
  });
  return units;
}

/** The ranges of each file that one part covers (files of other parts are left out). */
function selectPart(files: ReadonlyArray<ArtifactFile>, shardSize: number | undefined, part: Part): { files: ArtifactFile[]; ranges: ByteRange[][] } {
  const units = treeUnits(files, shardSize);
  const sizes = new Float64Array(units.end.length);
  for (let u = 0; u < sizes.length; u++) sizes[u] = units.end[u] - units.start[u];
  const { from, to } = partSlice(sizes, part);
  const out: { files: ArtifactFile[]; ranges: ByteRange[][] } = { files: [], ranges: [] };
  let last = -1;
  for (let u = from; u < to; u++) {
    if (units.fileOf[u] !== last) {
      last = units.fileOf[u];
      out.files.push(files[last]);
      out.ranges.push([]);
    }
    out.ranges[out.ranges.length - 1].push({ start: units.start[u], end: units.end[u] });
  }
  return out;
}

/** The OMS root digest: SHA-256 over the concatenated raw resource digests, in the given order. */
export function rootDigestOf(resources: ReadonlyArray<{ digest: string }> | ResourceList): string {
  const h = createHash('sha256');
  if (resources instanceof ResourceList) h.update(resources.digests);
  else for (const r of resources) h.update(Buffer.from(r.digest, 'hex'));
  return h.digest('hex');
}

/** The resource algorithm string model_signing writes (shards: `<hash>-sharded-<size>`). */
export function resourceAlgorithm(s: Pick<Serialization, 'method' | 'hashType' | 'shardSize'>): string {
  return s.method === 'shards' ? `${s.hashType}-sharded-${s.shardSize}` : s.hashType;
}

function realRoot(root: string): string {
  try {
    return fs.realpathSync(root);
  } catch {
    return root;
  }
}

export function resolveSerialization(root: string, isDir: boolean, options: DigestOptions): Serialization {
  const method = options.method ?? 'files';
  if (method !== 'files' && method !== 'shards') {
    throw new ModelsealError('USAGE_ERROR', `unknown serialization method ${quoted(method)} (files or shards)`);
  }
  const shardSize = options.shardSize ?? DEFAULT_SHARD_SIZE;
  if (method === 'shards' && !(Number.isSafeInteger(shardSize) && shardSize > 0)) {
    throw new ModelsealError('USAGE_ERROR', `shard size must be a positive integer, got ${shardSize}`);
  }
  const ignores = new Set<string>();
  if (isDir) {
    if (!options.noDefaultIgnores) {
      DEFAULT_IGNORES.forEach((p) => ignores.add(p));
      if (wantsHubMetadataIgnore(realRoot(root))) ignores.add(HF_LOCAL_DIR_METADATA);
    }
    for (const p of options.ignorePaths ?? []) ignores.add(normalizeIgnorePath(root, p));
  }
  return {
    method,
    hashType: options.hashType ?? 'sha256',
    ...(method === 'shards' ? { shardSize } : {}),
    allowSymlinks: options.allowSymlinks ?? false,
    ignorePaths: [...ignores],
  };
}

/**
 * The reference engine: hashes the files of a walked tree one after another on the
 * calling thread, synchronously. `hashTree` must give byte-identical manifests.
 */
export function hashTreeSync(tree: ArtifactTree, serialization: Serialization, onProgress?: (e: ProgressEvent) => void): Manifest {
  const buffer = Buffer.allocUnsafe(256 * 1024);
  const algorithm = resourceAlgorithm(serialization);
  const progress: ProgressEvent = {
    bytesDone: 0,
    bytesTotal: tree.files.reduce((n, f) => n + f.size, 0),
    filesDone: 0,
    filesTotal: tree.files.length,
  };
  const onBytes = onProgress
    ? (n: number) => {
        progress.bytesDone += n;
        onProgress(progress);
      }
    : undefined;
  const resources = new ResourceListBuilder(digestBytes(serialization.hashType));
  for (const f of tree.files) {
    if (serialization.method === 'files') {
      const { digests } = hashRanges(f.file, serialization.hashType, 'whole', { buffer, onBytes });
      resources.add(f.name, algorithm, digests[0].digest);
    } else {
      const size = serialization.shardSize as number;
      const { digests } = hashRanges(f.file, serialization.hashType, (n) => shardRanges(n, size), { buffer, onBytes });
      for (const d of digests) resources.add(`${f.name}:${d.start}:${d.end}`, algorithm, d.digest);
    }
    progress.filesDone++;
    onProgress?.(progress);
  }
  const list = resources.finish();
  return packedManifest(serialization, list, rootDigestOf(list));
}

/** Below these sizes, starting threads costs more than hashing on the calling thread. */
const SMALL_BYTES = 32 * 1024 * 1024;
const SMALL_JOBS = 1024;
/** Each thread holds its read buffers and a V8 heap: an upper bound keeps memory bounded. */
export const MAX_THREADS = 64;

function threadCount(requested: number | undefined, plan: HashPlan): number {
  if (requested !== undefined) {
    if (!Number.isSafeInteger(requested) || requested < 0 || requested > MAX_THREADS) {
      throw new ModelsealError('USAGE_ERROR', `threads must be an integer from 0 to ${MAX_THREADS}, got ${requested}`);
    }
    return Math.min(requested, plan.batches.length);
  }
  if (plan.totalBytes < SMALL_BYTES && plan.jobCount < SMALL_JOBS) return 0;
  const n = Math.min(os.availableParallelism(), plan.batches.length);
  // One batch gains nothing from a thread: reads already overlap hashing on this one.
  return n > 1 ? n : 0;
}

/** A tree's digests in manifest order (file by file, range by range) in one buffer, and what names them. */
interface TreeDigests {
  files: ReadonlyArray<ArtifactFile>;
  rangesOf: (i: number) => ByteRange[];
  rangesPerFile: Uint32Array;
  store: Buffer;
  width: number;
}

async function hashDigests(tree: ArtifactTree, serialization: Serialization, given: HashOptions): Promise<TreeDigests> {
  // Commands draw one progress line for whatever the library hashes (cli/progress.ts).
  const ambient = given.onProgress ? undefined : progressScope();
  if (ambient) return hashDigests(tree, serialization, { threads: given.threads, part: given.part, onProgress: (e) => ambient.progress(tree.root, e) }).finally(() => ambient.end(tree.root));
  const { onProgress, threads, part } = given;
  const shardSize = serialization.method === 'shards' ? (serialization.shardSize as number) : undefined;
  const selected = part ? selectPart(tree.files, shardSize, part) : undefined;
  const files = selected ? selected.files : tree.files;
  const rangesOf = selected ? (i: number) => selected.ranges[i] : shardSize === undefined ? (i: number) => [{ start: 0, end: files[i].size }] : (i: number) => shardRanges(files[i].size, shardSize);
  const plan = planHashing(files, shardSize, selected ? rangesOf : undefined);
  // Every digest in one buffer, file by file: no array and no string per resource while hashing.
  const width = digestBytes(serialization.hashType);
  const firstOf = new Float64Array(files.length + 1);
  for (let i = 0; i < files.length; i++) firstOf[i + 1] = firstOf[i] + plan.rangesPerFile[i];
  const store = Buffer.alloc(firstOf[files.length] * width);
  const jobsLeft = plan.jobsPerFile.slice();
  // Jobs of one file on different threads must all have seen the same file.
  const identities = new Map<number, string>();
  const progress: ProgressEvent = { bytesDone: 0, bytesTotal: plan.totalBytes, filesDone: 0, filesTotal: files.length };
  const sink: ResultSink = {
    onBytes(n) {
      progress.bytesDone += n;
      onProgress?.(progress);
    },
    onResults(results, bytes) {
      progress.bytesDone += bytes;
      const raw = Buffer.from(results.digests, 'hex');
      const n = results.numbers;
      let at = 0;
      for (let j = 0; j < results.identities.length; j++) {
        const [fileIndex, firstRange, count] = [n[3 * j], n[3 * j + 1], n[3 * j + 2]];
        if (plan.jobsPerFile[fileIndex] > 1) {
          const identity = results.identities[j];
          const seen = identities.get(fileIndex);
          if (identity === null) throw new Error('internal: a shared job came back without the identity of its file');
          if (seen === undefined) identities.set(fileIndex, identity);
          else if (seen !== identity) throw fileChanged(files[fileIndex].file);
        }
        raw.copy(store, (firstOf[fileIndex] + firstRange) * width, at, at + count * width);
        at += count * width;
        if (--jobsLeft[fileIndex] === 0) {
          progress.filesDone++;
          identities.delete(fileIndex);
        }
      }
      if (at !== raw.length) throw new Error('internal: a hashing thread sent digests that do not match its jobs');
      onProgress?.(progress);
    },
  };
  const count = threadCount(threads, plan);
  const entry = count > 0 ? workerEntry() : null;
  if (entry) await hashOnWorkers(plan, serialization.hashType, count, entry, sink, onProgress !== undefined);
  else await hashOnThisThread(plan, serialization.hashType, sink);
  return { files, rangesOf, rangesPerFile: plan.rangesPerFile, store, width };
}

/**
 * Hashes the files of a walked tree into a manifest with the given serialization,
 * on worker threads: different files, and the shards of one file, on different
 * cores. Memory is bounded by the read buffers of each thread (plus the digests).
 */
export async function hashTree(tree: ArtifactTree, serialization: Serialization, options: HashOptions | ((e: ProgressEvent) => void) = {}): Promise<Manifest> {
  const given = typeof options === 'function' ? { onProgress: options } : options;
  const { files, rangesOf, rangesPerFile, store, width } = await hashDigests(tree, serialization, given);
  const shardSize = serialization.method === 'shards' ? (serialization.shardSize as number) : undefined;
  // The store is already in manifest order (file by file, range by range): it is the digest list.
  let nameBytes = 0;
  files.forEach((f, i) => {
    const n = Buffer.byteLength(f.name, 'utf8');
    nameBytes += shardSize === undefined ? n : rangesPerFile[i] * (n + 42);
  });
  const names = new ResourceListBuilder(0, store.length / width, nameBytes);
  files.forEach((f, i) => {
    if (shardSize === undefined) names.add(f.name, '', '');
    else for (const r of rangesOf(i)) names.add(`${f.name}:${r.start}:${r.end}`, '', '');
  });
  const list = names.finishWith(store, width, resourceAlgorithm(serialization));
  return packedManifest(serialization, list, rootDigestOf(list));
}

/**
 * The digest of each file of a tree, in its order, `digestBytes(hashType)` bytes each (the
 * files method, whole tree): what the file match compares by index, without naming them.
 */
export async function hashFileDigests(tree: ArtifactTree, serialization: Serialization, options: Omit<HashOptions, 'part'>): Promise<Buffer> {
  if (serialization.method !== 'files') throw new Error('internal: hashFileDigests is for the files method');
  return (await hashDigests(tree, serialization, { onProgress: options.onProgress, threads: options.threads })).store;
}

/** Whether the artifact is a directory (as opposed to one file); errors name the path. */
export function isDirectoryArtifact(artifact: string): boolean {
  try {
    return fs.statSync(artifact).isDirectory();
  } catch (err) {
    throw fsError(err, artifact);
  }
}

/** Walks and hashes an artifact (directory or single file) into its OMS manifest. */
export async function computeManifest(artifact: string, options: DigestOptions = {}): Promise<Manifest> {
  const root = path.resolve(artifact);
  const serialization = resolveSerialization(root, isDirectoryArtifact(root), options);
  const tree = walkArtifact(root, { ignores: new Set(serialization.ignorePaths), allowSymlinks: serialization.allowSymlinks, helpers: { threads: options.threads } });
  options.beforeHashing?.(tree, serialization);
  const manifest = await hashTree(tree, serialization, { onProgress: options.onProgress, threads: options.threads, part: options.part });
  if (resourceCount(manifest) === 0 && !options.part) {
    // The OMS spec refuses empty models (model_signing signs them); empty files have no shards.
    throw new ModelsealError('EMPTY_ARTIFACT', 'has nothing to sign (no files, or only empty files with --method shards)', { file: artifact });
  }
  return manifest;
}
