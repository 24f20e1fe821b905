import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { DEFAULT_IGNORES, normalizeIgnorePath } from '../digest/ignore';
import { hashTree, isDirectoryArtifact, type Manifest, type ProgressEvent, type ResourceDigest, type Serialization } from '../digest/manifest';
import type { Part } from '../digest/partition';
import { walkArtifact, type ArtifactTree } from '../digest/walk';
import { parseShardName } from '../statement/oms';
import { signatureIgnores } from '../sign/signature-path';
import { describeDiff, type ManifestDiff } from './compare';

/**
 * THE decision whether files on disk match a signed manifest: names, per-file and
 * per-shard digests, shard ranges (the sizes they imply), extra and missing files.
 * Every path that accepts an artifact whose files are at hand (verify in every mode,
 * lineage nodes and --with artifacts, the gate, bom, lock verification, verified
 * reading) asks this module; none compares root digests, which do not cover names.
 *
 * Names and sizes are compared before any byte is hashed, so an extra, missing or
 * resized file is refused at once (a terabyte file the signature does not list is
 * never read), and with `ignoreUnsignedFiles` an unsigned file is never hashed.
 */

export interface MatchOptions {
  /** Extra paths to leave out (relative to the artifact root, or absolute inside it). */
  ignorePaths?: string[];
  /** Accept (and never hash) files on disk that the signature does not list. */
  ignoreUnsignedFiles?: boolean;
  /** Skip model_signing's default ignores (.git, .gitattributes, .github, .gitignore). */
  noDefaultIgnores?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  threads?: number;
  /** Hashes shared by several checks of one run (lineage): each tree is hashed once. */
  cache?: HashCache;
  /**
   * Hash and compare only this part of the resources (verify --part: the split of
   * digest/partition.ts). Names and sizes are still compared for the whole tree.
   */
  part?: Part;
}

export interface FilesMatch {
  /** The artifact as resolved (realpath). */
  root: string;
  /** Files compared (after ignores). */
  files: number;
  /** Signed resources whose digests were compared (all of them, or those of `part`). */
  resources: number;
  part?: Part;
}

/** One signed file: the resources that cover it, and the size its shard ranges imply (shards only). */
export interface SignedFile {
  path: string;
  resources: ResourceDigest[];
  size?: number;
}

/** The signed manifest's resources grouped by file path (shards `path:start:end` under their path). */
export function signedFiles(manifest: Manifest): Map<string, SignedFile> {
  const files = new Map<string, SignedFile>();
  const shards = manifest.serialization.method === 'shards';
  for (const r of manifest.resources) {
    const shard = shards ? parseShardName(r.name) : null;
    const p = shard ? shard.path : r.name;
    let f = files.get(p);
    if (!f) {
      f = { path: p, resources: [] };
      files.set(p, f);
    }
    f.resources.push(r);
    if (shard) f.size = Math.max(f.size ?? 0, shard.end);
  }
  return files;
}

/** The walk of an artifact as its signature was made: the signed ignores, the default and the caller's, never the signature files. */
export function walkLikeSignature(artifact: string, serialization: Serialization, signaturePath: string | undefined, options: Pick<MatchOptions, 'ignorePaths' | 'noDefaultIgnores'> = {}): ArtifactTree {
  const root = path.resolve(artifact);
  const ignores = new Set<string>();
  if (isDirectoryArtifact(root)) {
    if (!options.noDefaultIgnores) DEFAULT_IGNORES.forEach((p) => ignores.add(p));
    serialization.ignorePaths.forEach((p) => ignores.add(p));
    for (const p of options.ignorePaths ?? []) ignores.add(normalizeIgnorePath(root, p));
    signatureIgnores(root, signaturePath).forEach((p) => ignores.add(p));
  }
  return walkArtifact(root, { ignores, allowSymlinks: serialization.allowSymlinks });
}

/** A single-file artifact is "." to us; signers name it "." (Python) or by its base name (Go, OMS spec). */
function alignSingleFileName(tree: ArtifactTree, signed: Map<string, SignedFile>, artifact: string): void {
  if (!tree.singleFile || signed.size !== 1) return;
  const only = [...signed.keys()][0];
  if (only === '.' || only === path.basename(path.resolve(artifact)) || only === path.basename(tree.root)) tree.files[0].name = only;
}

function mismatch(artifact: string, diff: ManifestDiff): ModelsealError {
  return new ModelsealError('ARTIFACT_MISMATCH', `does not match its signature: ${describeDiff(diff)}`, { file: artifact, details: diff });
}

/**
 * Names before bytes: every signed file must be on disk, every file on disk must be
 * signed (unless ignoreUnsignedFiles, which drops it from the tree), and a file's size
 * must be the one its signed shard ranges imply. Throws before anything is hashed.
 */
function compareNames(tree: ArtifactTree, signed: Map<string, SignedFile>, shards: boolean, artifact: string, ignoreUnsignedFiles: boolean): void {
  const diff: ManifestDiff = { changed: [], missing: [], extra: [] };
  const onDisk = new Set<string>();
  const kept = [];
  for (const f of tree.files) {
    onDisk.add(f.name);
    const s = signed.get(f.name);
    if (!s) {
      // An empty file has no shards: the shards serialization cannot list it (model_signing's format).
      if (!ignoreUnsignedFiles && !(shards && f.size === 0)) diff.extra.push(f.name);
      continue;
    }
    kept.push(f);
    if (s.size !== undefined && s.size !== f.size) diff.changed.push({ name: f.name, expected: `${s.size} bytes`, actual: `${f.size} bytes` });
  }
  for (const p of signed.keys()) if (!onDisk.has(p)) diff.missing.push(p);
  if (diff.changed.length || diff.missing.length || diff.extra.length) throw mismatch(artifact, diff);
  tree.files = kept;
}

/** Hashes each (tree, serialization) once per cache: lineage checks one artifact against several signatures. */
export class HashCache {
  private readonly seen = new Map<string, Promise<Manifest>>();

  hash(tree: ArtifactTree, serialization: Serialization, options: Pick<MatchOptions, 'onProgress' | 'threads' | 'part'>): Promise<Manifest> {
    const key = JSON.stringify([tree.root, serialization.method, serialization.hashType, serialization.shardSize ?? null, options.part ?? null, tree.files.map((f) => [f.name, f.file, f.size])]);
    let result = this.seen.get(key);
    if (!result) {
      result = hashTree(tree, serialization, options);
      this.seen.set(key, result);
    }
    return result;
  }
}

/** Signed vs computed resources by name; with `partial`, signed resources the computation left out are not missing. */
function compareResources(signed: Manifest, actual: Manifest, partial: boolean): ManifestDiff {
  const have = new Map(actual.resources.map((r) => [r.name, r.digest]));
  const diff: ManifestDiff = { changed: [], missing: [], extra: [] };
  for (const r of signed.resources) {
    const got = have.get(r.name);
    if (got === undefined) {
      if (!partial) diff.missing.push(r.name);
    } else if (got !== r.digest) diff.changed.push({ name: r.name, expected: r.digest, actual: got });
    have.delete(r.name);
  }
  diff.extra.push(...have.keys());
  return diff;
}

/**
 * Where no files are at hand but their names and digests are (an OCI manifest's layers):
 * the same comparison, name by name, as for files on disk. Throws ARTIFACT_MISMATCH.
 */
export function matchManifest(signed: Manifest, actual: Manifest, what: string): void {
  const diff = compareResources(signed, actual, false);
  if (diff.changed.length || diff.missing.length || diff.extra.length) throw new ModelsealError('ARTIFACT_MISMATCH', `${what} do not match the signature: ${describeDiff(diff)}`, { details: diff });
}

/**
 * Checks the files of `artifact` against a signed manifest (already parsed from a
 * verified signature). Throws ARTIFACT_MISMATCH naming what differs; returns what
 * was compared.
 */
export async function matchFiles(artifact: string, signed: Manifest, signaturePath: string | undefined, options: MatchOptions = {}): Promise<FilesMatch> {
  const files = signedFiles(signed);
  const tree = walkLikeSignature(artifact, signed.serialization, signaturePath, options);
  alignSingleFileName(tree, files, artifact);
  compareNames(tree, files, signed.serialization.method === 'shards', artifact, options.ignoreUnsignedFiles === true);

  const cache = options.cache ?? new HashCache();
  const actual = await cache.hash(tree, signed.serialization, { onProgress: options.onProgress, threads: options.threads, part: options.part });
  const diff = compareResources(signed, actual, options.part !== undefined);
  if (diff.changed.length || diff.missing.length || diff.extra.length) throw mismatch(artifact, diff);
  return { root: tree.root, files: tree.files.length, resources: actual.resources.length, ...(options.part ? { part: options.part } : {}) };
}
