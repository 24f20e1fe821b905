import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError, fsError } from '../errors';
import type { HashAlgorithm } from './algorithms';
import { hashRanges, shardRanges } from './hash-file';
import { ATTESTATION_FILE_NAMES, DEFAULT_IGNORES, normalizeIgnorePath } from './ignore';
import { walkArtifact, type ArtifactTree } from './walk';

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

/** One entry of the signed resource list: a whole file, or a shard named `path:start:end`. */
export interface ResourceDigest {
  name: string;
  algorithm: string;
  digest: string;
}

export interface Manifest {
  serialization: Serialization;
  resources: ResourceDigest[];
  /** Hex SHA-256 over the raw resource digests in listed order: the OMS subject digest. */
  rootDigest: string;
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
}

/** The OMS root digest: SHA-256 over the concatenated raw resource digests, in the given order. */
export function rootDigestOf(resources: ReadonlyArray<{ digest: string }>): string {
  const h = createHash('sha256');
  for (const r of resources) h.update(Buffer.from(r.digest, 'hex'));
  return h.digest('hex');
}

/** The resource algorithm string model_signing writes (shards: `<hash>-sharded-<size>`). */
export function resourceAlgorithm(s: Pick<Serialization, 'method' | 'hashType' | 'shardSize'>): string {
  return s.method === 'shards' ? `${s.hashType}-sharded-${s.shardSize}` : s.hashType;
}

export function resolveSerialization(root: string, isDir: boolean, options: DigestOptions): Serialization {
  const method = options.method ?? 'files';
  if (method !== 'files' && method !== 'shards') {
    throw new ModelsealError('USAGE_ERROR', `unknown serialization method ${JSON.stringify(method)} (files or shards)`);
  }
  const shardSize = options.shardSize ?? DEFAULT_SHARD_SIZE;
  if (method === 'shards' && !(Number.isSafeInteger(shardSize) && shardSize > 0)) {
    throw new ModelsealError('USAGE_ERROR', `shard size must be a positive integer, got ${shardSize}`);
  }
  const ignores = new Set<string>();
  if (isDir) {
    if (!options.noDefaultIgnores) DEFAULT_IGNORES.forEach((p) => ignores.add(p));
    for (const p of options.ignorePaths ?? []) ignores.add(normalizeIgnorePath(root, p));
    ATTESTATION_FILE_NAMES.forEach((p) => ignores.add(p));
  }
  return {
    method,
    hashType: options.hashType ?? 'sha256',
    ...(method === 'shards' ? { shardSize } : {}),
    allowSymlinks: options.allowSymlinks ?? false,
    ignorePaths: [...ignores],
  };
}

/** Hashes the files of a walked tree into a manifest with the given serialization. */
export function hashTree(tree: ArtifactTree, serialization: Serialization, onProgress?: (e: ProgressEvent) => void): Manifest {
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
  const resources: ResourceDigest[] = [];
  for (const f of tree.files) {
    if (serialization.method === 'files') {
      const { digests } = hashRanges(f.file, serialization.hashType, 'whole', { buffer, onBytes });
      resources.push({ name: f.name, algorithm, digest: digests[0].digest.toString('hex') });
    } else {
      const size = serialization.shardSize as number;
      const { digests } = hashRanges(f.file, serialization.hashType, (n) => shardRanges(n, size), { buffer, onBytes });
      for (const d of digests) resources.push({ name: `${f.name}:${d.start}:${d.end}`, algorithm, digest: d.digest.toString('hex') });
    }
    progress.filesDone++;
    onProgress?.(progress);
  }
  return { serialization, resources, rootDigest: rootDigestOf(resources) };
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
  const tree = walkArtifact(root, { ignores: new Set(serialization.ignorePaths), allowSymlinks: serialization.allowSymlinks });
  if (tree.files.length === 0) {
    throw new ModelsealError('EMPTY_ARTIFACT', 'has no files to sign (after ignores)', { file: artifact });
  }
  return hashTree(tree, serialization, options.onProgress);
}
