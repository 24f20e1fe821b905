import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { ModelsealError, fsError } from '../errors';
import { createHasher, type Hasher } from '../digest/algorithms';
import type { Manifest } from '../digest/manifest';
import { isSafeRelativePath, parseShardName } from '../statement/oms';
import { analyzeSource, bytesNeededToJudge, loadRefusal } from './file-format';
import { quoted } from '../names';
import { signedFiles } from '../verify/match-files';

export interface LoadOptions {
  /**
   * Accept pickle-based files (the policy's `allowPickle` for this artifact). Pickles
   * that import something dangerous, or cannot be scanned, are refused all the same.
   */
  allowPickle?: boolean;
  /**
   * Globals added to the pickle allowlist for this artifact, by exact name
   * ("module.name" or "module:name"). Pickles still need `allowPickle`.
   */
  allowGlobals?: readonly string[];
  /**
   * Accept files that may run code but cannot be analysed (UNSCANNABLE: unknown formats,
   * bz2/xz joblib, HDF5, TorchScript). DANGEROUS and UNSAFE_UNKNOWN files are refused all the same.
   */
  allowUnscannable?: boolean;
  /**
   * The largest verification unit held in memory before it is released: a whole file
   * for the `files` serialization, one shard for `shards`. Default 2 GiB.
   */
  maxUnitBytes?: number;
}

/** A verified manifest, or anything carrying one (verifyArtifact's result). */
export type VerifiedManifest = Manifest | { manifest: Manifest };

const DEFAULT_MAX_UNIT = 2 * 1024 * 1024 * 1024;
const READ_CHUNK = 256 * 1024;

interface Unit {
  start: number;
  /** Exclusive end; undefined for a whole file of the `files` serialization (size taken from fstat). */
  end?: number;
  digest: string;
  label: string;
}

interface Plan {
  target: string;
  name: string;
  units: Unit[];
  manifest: Manifest;
}

function manifestOf(m: VerifiedManifest): Manifest {
  return 'manifest' in m ? m.manifest : m;
}

function notSigned(artifact: string, file: string): ModelsealError {
  return new ModelsealError('ARTIFACT_MISMATCH', `${quoted(file)} is not listed in the signed manifest`, { file: artifact });
}

/** Which file to open and which signed digests cover it. */
function plan(artifact: string, file: string, manifest: Manifest, givenBase = path.basename(artifact)): Plan {
  let st: fs.Stats;
  try {
    st = fs.statSync(artifact);
  } catch (err) {
    throw fsError(err, artifact);
  }
  // Which signed resources cover a file: the one files-vs-manifest module decides (verify/match-files.ts).
  const signed = signedFiles(manifest);
  let name: string;
  let target: string;
  if (st.isDirectory()) {
    name = path.posix.normalize(file.split(path.sep).join('/'));
    if (!isSafeRelativePath(name)) throw new ModelsealError('USAGE_ERROR', `${quoted(file)} is not a relative path inside the artifact`, { file: artifact });
    target = path.join(artifact, ...name.split('/'));
  } else {
    // A single-file artifact: its one signed path is "." or its base name, whichever the signer wrote.
    const only = signed.size === 1 ? [...signed.keys()][0] : undefined;
    if (only === undefined || ![only, '.', path.basename(artifact), givenBase].includes(file)) throw notSigned(artifact, file);
    name = only;
    target = artifact;
  }
  const entry = signed.get(name);
  if (!entry) throw notSigned(artifact, file);
  const shards = manifest.serialization.method === 'shards';
  const units: Unit[] = entry.resources.map((r) => {
    if (!shards) return { start: 0, digest: r.digest, label: quoted(r.name) };
    const s = parseShardName(r.name) as { start: number; end: number };
    return { start: s.start, end: s.end, digest: r.digest, label: `shard ${quoted(r.name)}` };
  });
  units.sort((a, b) => a.start - b.start);
  return { target, name: name === '.' ? path.basename(artifact) : name, units, manifest };
}

/** Reads into `buf` in L2-sized chunks, hashing each chunk while it is still in cache. */
async function readFully(fh: fs.promises.FileHandle, buf: Buffer, position: number, file: string, hash: Hasher): Promise<number> {
  let off = 0;
  while (off < buf.length) {
    let n: number;
    try {
      ({ bytesRead: n } = await fh.read(buf, off, Math.min(READ_CHUNK, buf.length - off), position + off));
    } catch (err) {
      throw fsError(err, file);
    }
    if (n === 0) break;
    hash.update(buf.subarray(off, off + n));
    off += n;
  }
  return off;
}

/**
 * Reads one file unit by unit (whole file, or shard by shard), hashing exactly the
 * bytes read and yielding each unit only once its digest matched the signed one.
 * The file is opened once and read once.
 */
async function* verifiedUnits(p: Plan, maxUnit: number, onSize: (size: number) => void): AsyncGenerator<Buffer> {
  const noFollow = p.manifest.serialization.allowSymlinks ? 0 : fs.constants.O_NOFOLLOW;
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(p.target, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | noFollow);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new ModelsealError('SYMLINK_REFUSED', 'is a symbolic link', { file: p.target });
    throw fsError(err, p.target);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ModelsealError('SPECIAL_FILE', 'is not a regular file', { file: p.target });
    const last = p.units[p.units.length - 1];
    const size = last.end ?? st.size;
    if (st.size !== size) {
      throw new ModelsealError('ARTIFACT_MISMATCH', `is ${st.size} bytes but was signed at ${size} bytes (changed after verification?)`, { file: p.target });
    }
    onSize(size);
    for (const u of p.units) {
      const len = (u.end ?? size) - u.start;
      if (len > maxUnit) {
        throw new ModelsealError('FILE_TOO_LARGE', `${u.label} is ${len} bytes, over the ${maxUnit}-byte verified-read limit; sign it with --method shards to stream it`, { file: p.target });
      }
      const buf = Buffer.allocUnsafe(len);
      const hash = createHasher(p.manifest.serialization.hashType);
      const got = await readFully(fh, buf, u.start, p.target, hash);
      const digest = hash.digest('hex');
      if (got !== len || digest !== u.digest) {
        throw new ModelsealError('ARTIFACT_MISMATCH', `${u.label} does not match its signed digest (the file changed after verification)`, { file: p.target });
      }
      yield buf;
    }
    const probe = Buffer.allocUnsafe(1);
    if ((await fh.read(probe, 0, 1, size)).bytesRead !== 0) {
      throw new ModelsealError('ARTIFACT_MISMATCH', 'grew past its signed size while being read', { file: p.target });
    }
  } finally {
    await fh.close();
  }
}

/**
 * Holds verified units back until enough of the file is verified to judge its format,
 * refuses code-executing or malformed files, then passes the units through.
 */
async function* judged(units: AsyncGenerator<Buffer>, p: Plan, sizeOf: () => number, options: LoadOptions): AsyncGenerator<Buffer> {
  const held: Buffer[] = [];
  let heldBytes = 0;
  let decided = false;
  const decide = () => {
    const prefix = held.length === 1 ? held[0] : Buffer.concat(held);
    const readAt = (offset: number, length: number) => {
      if (offset + length > prefix.length) throw new ModelsealError('INTERNAL_ERROR', 'format check read past the verified bytes', { file: p.target });
      return prefix.subarray(offset, offset + length);
    };
    const analysis = analyzeSource(p.name, { size: sizeOf(), read: readAt }, { allowGlobals: options.allowGlobals ?? [] });
    const refusal = loadRefusal(p.target, analysis, { allowPickle: options.allowPickle ?? false, allowUnscannable: options.allowUnscannable ?? false });
    if (refusal) throw refusal;
    decided = true;
  };
  for await (const unit of units) {
    if (decided) {
      yield unit;
      continue;
    }
    held.push(unit);
    heldBytes += unit.length;
    const size = sizeOf();
    const head = held[0].length >= 8 || held.length === 1 ? held[0] : Buffer.concat(held);
    if (head.length < Math.min(8, size)) continue;
    const need = bytesNeededToJudge(p.name, head.subarray(0, 8), size);
    if (need === 'all' ? heldBytes < size : heldBytes < need) continue;
    decide();
    yield* held.splice(0);
  }
  if (!decided) {
    decide();
    yield* held.splice(0);
  }
}

/** Every failure, including an unknown file name, surfaces as a rejection or a stream error. */
async function* verifiedChunks(artifact: string, file: string, manifest: VerifiedManifest, options: LoadOptions): AsyncGenerator<Buffer> {
  // The artifact root itself is resolved as verify resolves it (a symlink to a single-file
  // artifact verifies, so it reads); files inside it are opened without following links.
  let root: string;
  try {
    root = fs.realpathSync(path.resolve(artifact));
  } catch (err) {
    throw fsError(err, artifact);
  }
  const p = plan(root, file, manifestOf(manifest), path.basename(path.resolve(artifact)));
  let size = -1;
  const units = verifiedUnits(p, options.maxUnitBytes ?? DEFAULT_MAX_UNIT, (n) => (size = n));
  yield* judged(units, p, () => size, options);
}

/**
 * Opens one file of a verified artifact as a stream that emits only bytes that were
 * hashed and matched the signed manifest (pass verifyArtifact's result, or its manifest).
 * A shard-signed file is checked shard by shard, so the stream fails at the first bad
 * shard; a file-signed file is emitted once the whole file matched. Pickle-based
 * files are refused unless `allowPickle`; safetensors headers must be well-formed.
 */
export function openVerified(artifact: string, file: string, manifest: VerifiedManifest, options: LoadOptions = {}): Readable {
  return Readable.from(verifiedChunks(artifact, file, manifest, options), { objectMode: false });
}

/** Reads one file of a verified artifact; resolves only when every byte read matched the signed digests. */
export async function readVerified(artifact: string, file: string, manifest: VerifiedManifest, options: LoadOptions = {}): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of verifiedChunks(artifact, file, manifest, options)) parts.push(chunk);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * Whether `file` names a signed file of the artifact, by the same rule readVerified
 * applies (never reads it). For loaders that must tell "not signed" from "changed"
 * (issue 21's runtime helpers).
 */
export function isSignedFile(artifact: string, file: string, manifest: VerifiedManifest): boolean {
  try {
    plan(path.resolve(artifact), file, manifestOf(manifest));
    return true;
  } catch (err) {
    if (err instanceof ModelsealError && (err.code === 'ARTIFACT_MISMATCH' || err.code === 'USAGE_ERROR')) return false;
    throw err;
  }
}
