import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { DEFAULT_IGNORES, normalizeIgnorePath } from '../digest/ignore';
import { createHash } from 'node:crypto';
import { hashFileDigests, hashTree, isDirectoryArtifact, resourceListOf, type Manifest, type ProgressEvent, type ResourceDigest, type Serialization } from '../digest/manifest';
import { digestBytes } from '../digest/algorithms';
import { NameIndex } from '../digest/name-index';
import { ResourceListBuilder, type ResourceList } from '../digest/resource-list';
import type { Part } from '../digest/partition';
import { FileAtName, walkArtifact, type ArtifactFile, type ArtifactTree } from '../digest/walk';
import { WalkAhead } from '../digest/walk-ahead';
import { parseShardName, readStatementCollecting, type OmsStatement } from '../statement/oms';
import { omsStatementOf, readSignatureFileSummary, type SignatureFileSummary, type SummaryOptions } from './signature-file';
import type { SigningMethod } from './trusted-signer';
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
  /** A walk of the artifact started before its signature was read (walkAheadOfSignature): used where it equals the signed walk. */
  walkAhead?: WalkAhead;
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

/**
 * The signed paths of a manifest, packed: for the files method the resource names
 * themselves; for shards, each resource's path, with the first resource of each path
 * standing for it and the size its ranges imply. Lookups go through a NameIndex.
 */
export class SignedPaths {
  /** Per resource: the resource that stands for its path (itself for the files method). */
  readonly pathOf?: Uint32Array;
  /** Shards only, per standing resource: the file size its shard ranges imply. */
  readonly size?: Float64Array;
  readonly index: NameIndex;
  /** Distinct paths. */
  readonly count: number;

  constructor(readonly resources: ResourceList, shards: boolean) {
    if (!shards) {
      this.paths = resources;
      this.index = NameIndex.of(resources).index;
      let count = 0;
      for (let i = 0; i < resources.length; i++) if (this.index.find(resources.nameBytes(i)) === i) count++;
      this.count = count;
      return;
    }
    const paths = new ResourceListBuilder(0, resources.length);
    const ends = new Float64Array(resources.length);
    for (let i = 0; i < resources.length; i++) {
      const name = resources.name(i);
      const shard = parseShardName(name);
      paths.add(shard ? shard.path : name, '', '');
      ends[i] = shard ? shard.end : 0;
    }
    this.paths = paths.finishWith(Buffer.alloc(0), 0, '');
    this.index = new NameIndex(this.paths);
    this.pathOf = new Uint32Array(resources.length);
    this.size = new Float64Array(resources.length);
    let count = 0;
    for (let i = 0; i < resources.length; i++) {
      const k = this.index.insert(i);
      if (k === i) count++;
      this.pathOf[i] = k;
      this.size[k] = Math.max(this.size[k], ends[i]);
    }
    this.count = count;
  }

  private readonly paths: ResourceList;

  /** The standing resource of each distinct path, in listed order. */
  *standing(): Generator<number> {
    for (let i = 0; i < this.resources.length; i++) if (this.pathOf ? this.pathOf[i] === i : this.index.find(this.resources.nameBytes(i)) === i) yield i;
  }

  path(i: number): string {
    return this.paths.name(i);
  }

  /** Which of the top-level names `dirs` a signed path equals or lies under. */
  under(dirs: readonly string[]): Set<string> {
    const found = new Set<string>();
    const keys = dirs.map((d) => Buffer.from(d));
    const firsts = new Set(keys.map((k) => k[0]));
    for (let i = 0; i < this.paths.length && found.size < dirs.length; i++) {
      const b = this.paths.nameBytes(i);
      if (!firsts.has(b[0])) continue;
      keys.forEach((k, j) => {
        if (b.length >= k.length && (b.length === k.length || b[k.length] === 0x2f) && b.compare(k, 0, k.length, 0, k.length) === 0) found.add(dirs[j]);
      });
    }
    return found;
  }

  /** The standing resource of a path, or -1. */
  find(name: string): number {
    return this.index.find(name);
  }
}

/** The signed manifest's resources grouped by file path (shards `path:start:end` under their path). */
export function signedFiles(manifest: Manifest): Map<string, SignedFile> {
  const list = resourceListOf(manifest);
  const sp = new SignedPaths(list, manifest.serialization.method === 'shards');
  const files = new Map<string, SignedFile>();
  const byStanding = new Map<number, SignedFile>();
  for (const k of sp.standing()) {
    const f: SignedFile = { path: sp.path(k), resources: [], ...(sp.size ? { size: sp.size[k] } : {}) };
    files.set(f.path, f);
    byStanding.set(k, f);
  }
  for (let i = 0; i < list.length; i++) byStanding.get(sp.pathOf ? sp.pathOf[i] : sp.find(list.name(i)))?.resources.push(list.at(i));
  return files;
}

/**
 * The paths a walk like the signature's ignores: the signed ones (`signedIgnores`), the
 * default and the caller's, never the signature files. A default ignore the signature
 * lists files under (`listed`: it was signed with --no-default-ignores) is walked, so that
 * those files are checked like any other, on every path that verifies.
 */
export function signatureWalkIgnores(root: string, signedIgnores: readonly string[], signaturePath: string | undefined, options: Pick<MatchOptions, 'ignorePaths' | 'noDefaultIgnores'>, listed?: SignedPaths): Set<string> {
  const ignores = new Set<string>();
  if (isDirectoryArtifact(root)) {
    const kept = options.noDefaultIgnores || !listed ? new Set<string>() : listed.under(DEFAULT_IGNORES);
    if (!options.noDefaultIgnores) DEFAULT_IGNORES.forEach((p) => kept.has(p) || ignores.add(p));
    signedIgnores.forEach((p) => ignores.add(p));
    for (const p of options.ignorePaths ?? []) ignores.add(normalizeIgnorePath(root, p));
    signatureIgnores(root, signaturePath).forEach((p) => ignores.add(p));
  }
  return ignores;
}

/** The walk of an artifact as its signature was made (see signatureWalkIgnores). */
export function walkLikeSignature(artifact: string, serialization: Serialization, signaturePath: string | undefined, options: Pick<MatchOptions, 'ignorePaths' | 'noDefaultIgnores' | 'threads'> = {}, listed?: SignedPaths): ArtifactTree {
  const root = path.resolve(artifact);
  const ignores = signatureWalkIgnores(root, serialization.ignorePaths, signaturePath, options, listed);
  return walkArtifact(root, { ignores, allowSymlinks: serialization.allowSymlinks, helpers: { threads: options.threads } });
}

/**
 * Starts walking a folder artifact on a thread with the ignores known before its signature
 * is read (digest/walk-ahead.ts); matchFiles takes the tree where it equals the signed walk.
 */
export function walkAheadOfSignature(artifact: string, signaturePath: string, options: Pick<MatchOptions, 'ignorePaths' | 'noDefaultIgnores' | 'threads'>): WalkAhead | undefined {
  const root = path.resolve(artifact);
  try {
    if (!fs.statSync(root).isDirectory()) return undefined;
    return WalkAhead.start(fs.realpathSync(root), signatureWalkIgnores(root, [], signaturePath, options), { threads: options.threads });
  } catch {
    return undefined; // reported, after the signature's own checks, by the walk proper
  }
}

/** The tree of a walk ahead where it equals walkLikeSignature's, else that walk. */
async function walkSigned(artifact: string, serialization: Serialization, signaturePath: string | undefined, options: MatchOptions, listed: SignedPaths): Promise<ArtifactTree> {
  const ahead = options.walkAhead;
  if (ahead) {
    const root = path.resolve(artifact);
    let real: string | undefined;
    try {
      real = fs.realpathSync(root);
    } catch {
      real = undefined;
    }
    const tree = real === undefined ? ahead.cancel() : await ahead.take(real, signatureWalkIgnores(root, serialization.ignorePaths, signaturePath, options, listed));
    if (tree) return tree;
  }
  return walkLikeSignature(artifact, serialization, signaturePath, options, listed);
}

/** A single-file artifact is "." to us; signers name it "." (Python) or by its base name (Go, OMS spec). */
function alignSingleFileName(tree: ArtifactTree, signed: SignedPaths, artifact: string): void {
  if (!tree.singleFile || signed.count !== 1) return;
  const only = signed.path(signed.standing().next().value as number);
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
function compareNames(tree: ArtifactTree, signed: SignedPaths, artifact: string, ignoreUnsignedFiles: boolean): Uint32Array {
  const diff: ManifestDiff = { changed: [], missing: [], extra: [] };
  const onDisk = new Uint8Array(signed.resources.length);
  const kept: ArtifactFile[] = [];
  const signedOf = new Uint32Array(tree.files.length);
  for (const f of tree.files) {
    const k = signed.find(f.name);
    if (k < 0) {
      // An empty file has no shards: the shards serialization cannot list it (model_signing's format).
      if (!ignoreUnsignedFiles && !(signed.size && f.size === 0)) diff.extra.push(f.name);
      continue;
    }
    onDisk[k] = 1;
    // The walked name equals signed path k: read it from there (no string per file while hashing).
    if (f instanceof FileAtName) f.nameFrom(signed, k);
    signedOf[kept.length] = k;
    kept.push(f);
    if (signed.size && signed.size[k] !== f.size) diff.changed.push({ name: f.name, expected: `${signed.size[k]} bytes`, actual: `${f.size} bytes` });
  }
  for (const k of signed.standing()) if (!onDisk[k]) diff.missing.push(signed.path(k));
  if (diff.changed.length || diff.missing.length || diff.extra.length) throw mismatch(artifact, diff);
  tree.files = kept;
  return signedOf.subarray(0, kept.length);
}

/**
 * Hashes each (tree, serialization) once per cache: lineage checks one artifact against
 * several signatures. And checks a folder against one signed manifest once: lineage reads
 * an artifact's own signature (to learn its digest) before the policy verifies that same
 * signature, and a million-file folder was walked twice.
 */
export class HashCache {
  private readonly seen = new Map<string, Promise<Manifest>>();
  private readonly matched = new Map<string, Promise<FilesMatch>>();
  private readonly signatureFiles = new Map<string, SignatureFileSummary>();

  /** `verifyBundle`: how the run verifies a bundle, done in the one read of each signature file (see signatureFile). */
  constructor(private readonly options: Pick<SummaryOptions, 'verifyBundle'> = {}) {}

  /**
   * A signature file read once per run (the evidence beside an artifact and its own
   * signature are one read), verified in that read when the cache was given `verifyBundle`;
   * never its payload.
   */
  signatureFile(file: string): SignatureFileSummary {
    const key = path.resolve(file);
    let summary = this.signatureFiles.get(key);
    if (!summary) {
      summary = readSignatureFileSummary(file, this.options);
      this.signatureFiles.set(key, summary);
    }
    return summary;
  }

  /** This run's read of `file` if it saw the bytes `fileSha256` and verified them (signatureFile with `verifyBundle`). */
  verifiedRead(file: string, fileSha256: string): SignatureFileSummary | undefined {
    const known = this.signatureFiles.get(path.resolve(file));
    return known?.verification && known.fileSha256 === fileSha256 ? known : undefined;
  }

  /**
   * The OMS statement of a verified payload read from `file`: the one this run read
   * before when the file held the same bytes and says the same signing method, else read now.
   */
  omsStatement(payload: Buffer, fileSha256: string, method: SigningMethod, file: string): OmsStatement {
    const known = this.signatureFiles.get(path.resolve(file));
    if (known?.oms && known.fileSha256 === fileSha256 && known.method === method) {
      if (known.oms instanceof ModelsealError) throw known.oms;
      return known.oms;
    }
    return omsStatementOf(readStatementCollecting(payload, file), method, file);
  }

  match(artifact: string, signed: Manifest, signaturePath: string | undefined, options: MatchOptions, check: () => Promise<FilesMatch>): Promise<FilesMatch> {
    const h = createHash('sha256').update(JSON.stringify([path.resolve(artifact), signaturePath === undefined ? null : path.resolve(signaturePath), signed.serialization, options.ignorePaths ?? [], options.ignoreUnsignedFiles === true, options.noDefaultIgnores === true, options.part ?? null]));
    resourceListOf(signed).fingerprint(h);
    const key = h.digest('hex');
    let result = this.matched.get(key);
    if (!result) {
      result = check();
      this.matched.set(key, result);
    }
    return result;
  }

  hash(tree: ArtifactTree, serialization: Serialization, options: Pick<MatchOptions, 'onProgress' | 'threads' | 'part'>): Promise<Manifest> {
    const h = createHash('sha256').update(JSON.stringify([tree.root, serialization.method, serialization.hashType, serialization.shardSize ?? null, options.part ?? null]));
    for (const f of tree.files) h.update(JSON.stringify([f.name, f.file, f.size]));
    const key = h.digest('hex');
    let result = this.seen.get(key);
    if (!result) {
      result = hashTree(tree, serialization, options);
      this.seen.set(key, result);
    }
    return result;
  }
}

/** Computed resources as the comparison reads them: count, the signed resource each stands for (-1: none), name, digest. */
interface Computed {
  length: number;
  signedIndex(j: number): number;
  name(j: number): string;
  digestBytes(j: number): Buffer;
}

/**
 * THE digest comparison: each computed resource against the signed one it stands for; a
 * computed resource with no signed one, or a second for the same one, is extra; with
 * `partial`, signed resources the computation left out are not missing.
 */
function compareDigests(signed: ResourceList, actual: Computed, partial: boolean): ManifestDiff {
  const diff: ManifestDiff = { changed: [], missing: [], extra: [] };
  const seen = new Uint8Array(signed.length);
  for (let j = 0; j < actual.length; j++) {
    const k = actual.signedIndex(j);
    if (k < 0 || seen[k]) {
      diff.extra.push(actual.name(j));
      continue;
    }
    seen[k] = 1;
    const digest = actual.digestBytes(j);
    if (!signed.digestBytes(k).equals(digest)) diff.changed.push({ name: actual.name(j), expected: signed.digest(k), actual: digest.toString('hex') });
  }
  if (!partial) for (let k = 0; k < signed.length; k++) if (!seen[k]) diff.missing.push(signed.name(k));
  return diff;
}

/** A computed list, each resource found among the signed ones by its name. */
function byName(actual: ResourceList, index: NameIndex): Computed {
  return { length: actual.length, signedIndex: (j) => index.find(actual.nameBytes(j)), name: (j) => actual.name(j), digestBytes: (j) => actual.digestBytes(j) };
}

/**
 * The files method, once names are matched: file j of the tree is signed resource
 * signedOf[j] (compareNames found it by name), so no computed name is built or looked up.
 */
function byMatchedName(files: readonly ArtifactFile[], signedOf: Uint32Array, digests: Buffer, width: number): Computed {
  return { length: files.length, signedIndex: (j) => signedOf[j], name: (j) => files[j].name, digestBytes: (j) => digests.subarray(j * width, (j + 1) * width) };
}

/** The signed resources by full name (for the files method, the paths' own index). */
function resourceIndex(signed: SignedPaths): NameIndex {
  return signed.size ? NameIndex.of(signed.resources).index : signed.index;
}

/**
 * Where no files are at hand but their names and digests are (an OCI manifest's layers):
 * the same comparison, name by name, as for files on disk. Throws ARTIFACT_MISMATCH.
 */
export function matchManifest(signed: Manifest, actual: Manifest, what: string): void {
  const list = resourceListOf(signed);
  const diff = compareDigests(list, byName(resourceListOf(actual), NameIndex.of(list).index), false);
  if (diff.changed.length || diff.missing.length || diff.extra.length) throw new ModelsealError('ARTIFACT_MISMATCH', `${what} do not match the signature: ${describeDiff(diff)}`, { details: diff });
}

/**
 * Checks the files of `artifact` against a signed manifest (already parsed from a
 * verified signature). Throws ARTIFACT_MISMATCH naming what differs; returns what
 * was compared.
 */
export async function matchFiles(artifact: string, signed: Manifest, signaturePath: string | undefined, options: MatchOptions = {}): Promise<FilesMatch> {
  if (options.cache) return options.cache.match(artifact, signed, signaturePath, options, () => matchOnce(artifact, signed, signaturePath, options));
  return matchOnce(artifact, signed, signaturePath, options);
}

async function matchOnce(artifact: string, signed: Manifest, signaturePath: string | undefined, options: MatchOptions): Promise<FilesMatch> {
  const paths = new SignedPaths(resourceListOf(signed), signed.serialization.method === 'shards');
  const tree = await walkSigned(artifact, signed.serialization, signaturePath, options, paths);
  alignSingleFileName(tree, paths, artifact);
  const signedOf = compareNames(tree, paths, artifact, options.ignoreUnsignedFiles === true);

  const hashOptions = { onProgress: options.onProgress, threads: options.threads, part: options.part };
  let diff: ManifestDiff;
  let resources: number;
  if (signed.serialization.method === 'files' && !options.part && !options.cache) {
    const digests = await hashFileDigests(tree, signed.serialization, hashOptions);
    diff = compareDigests(paths.resources, byMatchedName(tree.files, signedOf, digests, digestBytes(signed.serialization.hashType)), false);
    resources = tree.files.length;
  } else {
    const actual = resourceListOf(await (options.cache ? options.cache.hash(tree, signed.serialization, hashOptions) : hashTree(tree, signed.serialization, hashOptions)));
    diff = compareDigests(paths.resources, byName(actual, resourceIndex(paths)), options.part !== undefined);
    resources = actual.length;
  }
  if (diff.changed.length || diff.missing.length || diff.extra.length) throw mismatch(artifact, diff);
  return { root: tree.root, files: tree.files.length, resources, ...(options.part ? { part: options.part } : {}) };
}
