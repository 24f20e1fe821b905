import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError, fsError } from '../errors';
import { hubRepoOf, resolveHubLink } from './hf-cache';
import { comparePaths } from './order';
import { checkFileNames, quoted } from '../names';

export interface ArtifactFile {
  /** POSIX path relative to the artifact root; "." for a single-file artifact. */
  name: string;
  /** Absolute path of the bytes to hash (a symlink's resolved target when links are allowed). */
  file: string;
  size: number;
}

export interface ArtifactTree {
  /** The artifact path as resolved (realpath). */
  root: string;
  /** True when the artifact is one regular file rather than a directory. */
  singleFile: boolean;
  /** Files in model_signing's order. */
  files: ArtifactFile[];
}

/**
 * The class of the files one directory walk finds: name and size only, the root on the
 * class; the absolute path is made when asked for (a million paths are ~100 MB, and each
 * field more is 10 MB).
 */
function walkedFileClass(root: string) {
  return class WalkedFile implements ArtifactFile {
    constructor(
      public readonly name: string,
      public size: number,
    ) {}

    get file(): string {
      return path.join(root, this.name);
    }
  };
}

export interface WalkOptions {
  /** POSIX paths relative to the root whose files (or subtrees) are skipped. */
  ignores?: ReadonlySet<string>;
  allowSymlinks?: boolean;
}

// Backslashes make names ambiguous in manifests (a separator on Windows); every other
// unsafe character and every collision is the name module's decision (checkFileNames).
const BACKSLASH = /\\/;

function decodeName(raw: Buffer, dir: string): string {
  const name = raw.toString('utf8');
  if (!Buffer.from(name, 'utf8').equals(raw)) {
    throw new ModelsealError('UNSUPPORTED_NAME', 'a file name in this folder is not valid UTF-8', { file: dir });
  }
  if (BACKSLASH.test(name)) {
    throw new ModelsealError('UNSUPPORTED_NAME', `file name ${quoted(name)} contains a backslash`, { file: dir });
  }
  return name;
}

function flat(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** Linux PATH_MAX: longer paths cannot be opened (Node has no openat), however deep the walk can go. */
const MAX_PATH_BYTES = 4095;

function shortPath(p: string): string {
  return p.length > 120 ? `${p.slice(0, 60)}…${p.slice(-40)}` : p;
}

function checkPathLength(abs: string): void {
  if (Buffer.byteLength(abs, 'utf8') > MAX_PATH_BYTES) {
    throw new ModelsealError('UNSUPPORTED_NAME', `path is ${Buffer.byteLength(abs, 'utf8')} bytes long, over the ${MAX_PATH_BYTES}-byte limit the operating system can open (nested too deep?)`, {
      file: shortPath(abs),
    });
  }
}

function specialFile(file: string, st: fs.Stats): ModelsealError {
  const kind = st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isBlockDevice() || st.isCharacterDevice() ? 'a device' : 'not a regular file';
  return new ModelsealError('SPECIAL_FILE', `is ${kind}; only regular files and directories can be signed`, { file });
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

/** Resolves a symlink inside the artifact, refusing links that leave it or do not end at a regular file. */
function resolveLink(root: string, link: string): { file: string; size: number } {
  let target: string;
  try {
    target = fs.realpathSync(link);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ModelsealError('SYMLINK_REFUSED', 'is a dangling symbolic link', { file: link });
    throw fsError(err, link);
  }
  if (!isInside(root, target)) {
    throw new ModelsealError('SYMLINK_ESCAPES_ROOT', `is a symbolic link to ${target}, outside the artifact`, { file: link });
  }
  const st = fs.statSync(target);
  if (st.isDirectory()) throw new ModelsealError('SYMLINK_REFUSED', 'is a symbolic link to a directory; only links to files can be followed', { file: link });
  if (!st.isFile()) throw specialFile(link, st);
  return { file: target, size: st.size };
}

/**
 * Lists the files of an artifact deterministically. Iterative (no recursion limit),
 * never follows a link outside the root, and refuses anything that is not a regular
 * file or directory before reading it (a FIFO would block the reader forever).
 */
export function walkArtifact(artifact: string, options: WalkOptions = {}): ArtifactTree {
  const ignores = options.ignores ?? new Set<string>();
  let root: string;
  let st: fs.Stats;
  try {
    root = fs.realpathSync(path.resolve(artifact));
    st = fs.statSync(root);
  } catch (err) {
    throw fsError(err, artifact);
  }
  if (st.isFile()) {
    return { root, singleFile: true, files: [{ name: '.', file: root, size: st.size }] };
  }
  if (!st.isDirectory()) throw specialFile(artifact, st);

  const files: ArtifactFile[] = [];
  const WalkedFile = walkedFileClass(root);
  const hub = hubRepoOf(root);
  const pending: string[] = [''];
  while (pending.length > 0) {
    const relDir = pending.pop() as string;
    const absDir = relDir === '' ? root : path.join(root, relDir);
    let entries: fs.Dirent<Buffer>[];
    try {
      entries = fs.readdirSync(absDir, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      throw fsError(err, shortPath(absDir));
    }
    const names = entries.map((entry) => decodeName(entry.name, shortPath(absDir)));
    checkFileNames(names, 'UNSUPPORTED_NAME', shortPath(absDir));
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      const name = names[i];
      // One flat string (a template literal makes a cons string over both parts: twice the memory per file).
      const rel = relDir === '' ? name : flat(`${relDir}/${name}`);
      // Ancestors were checked on the way down (ignored folders are never entered), so the
      // full path is enough; isIgnored's per-ancestor scan made deep trees cubic.
      if (ignores.has(rel)) continue;
      const abs = path.join(root, rel);
      checkPathLength(abs);
      if (entry.isDirectory()) {
        pending.push(rel);
      } else if (entry.isFile()) {
        let size: number;
        try {
          size = fs.lstatSync(abs).size;
        } catch (err) {
          throw fsError(err, abs);
        }
        files.push(new WalkedFile(rel, size));
      } else if (entry.isSymbolicLink()) {
        // A Hugging Face cache snapshot: its links into the repository's blobs/ are its files.
        const hubFile = hub ? resolveHubLink(hub, abs) : undefined;
        if (hubFile) {
          files.push({ name: rel, ...hubFile });
          continue;
        }
        if (!options.allowSymlinks) {
          throw new ModelsealError('SYMLINK_REFUSED', 'is a symbolic link; pass --allow-symlinks to hash links to files inside the artifact', { file: abs });
        }
        files.push({ name: rel, ...resolveLink(root, abs) });
      } else {
        let est: fs.Stats;
        try {
          est = fs.lstatSync(abs);
        } catch (err) {
          throw fsError(err, abs);
        }
        throw specialFile(abs, est);
      }
    }
  }
  files.sort((a, b) => comparePaths(a.name, b.name));
  return { root, singleFile: false, files };
}
