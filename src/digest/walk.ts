import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError, fsError } from '../errors';
import { hubRepoOf, resolveHubLink, type HubRepo } from './hf-cache';
import { HELP_AFTER_FILES, startWalkHelpers, type WalkHelpers } from './walk-helpers';
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

/** Where names can be read back from: a packed list of names (match-files.ts's SignedPaths). */
export interface NameSource {
  path(k: number): string;
}

/** A file hashed at its own name under the root (not a followed link). */
export abstract class FileAtName implements ArtifactFile {
  abstract name: string;
  abstract readonly size: number;
  abstract readonly file: string;
  /** From now on the name (the same one) is read from entry k of `source`: its own string can go. */
  abstract nameFrom(source: NameSource, k: number): void;
}

/**
 * The class of the files one directory walk finds: name and size only, the root on the
 * class; the absolute path is made when asked for (a million paths are ~100 MB, and each
 * field more is 10 MB). Once matched with a signature, the name is read from the signed
 * list (nameFrom): a million walked names no longer cost a string each while hashing.
 */
function walkedFileClass(prefix: string) {
  return class WalkedFile extends FileAtName {
    private ref: string | number;
    private source: NameSource | undefined = undefined;

    constructor(
      name: string,
      public size: number,
    ) {
      super();
      this.ref = name;
    }

    get name(): string {
      return typeof this.ref === 'string' ? this.ref : (this.source as NameSource).path(this.ref);
    }

    set name(name: string) {
      this.ref = name;
      this.source = undefined;
    }

    get file(): string {
      return prefix + this.name;
    }

    nameFrom(source: NameSource, k: number): void {
      this.source = source;
      this.ref = k;
    }
  };
}

export interface WalkOptions {
  /** POSIX paths relative to the root whose files (or subtrees) are skipped. */
  ignores?: ReadonlySet<string>;
  allowSymlinks?: boolean;
  /**
   * Threads that walk beside this one once the walk proves large (see walk-helpers.ts;
   * default: one per further core, at most 3) and the files walked before they are asked.
   */
  helpers?: { threads?: number; after?: number };
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

/** Where the walk of one or more directories puts what it finds. */
export interface WalkSink {
  /** A regular file, hashed at the root-relative path `name`. */
  file(name: string, size: number): void;
  /** A followed link (or a hub cache link): hashed at `file`, named `name`. */
  link(name: string, file: string, size: number): void;
  /** When defined: each folder walked ("" for the root) and its stamp, taken before it is read. */
  folder?(relDir: string, stamp: string): void;
}

/**
 * What changes when a folder's entries change (an entry added, removed, renamed or
 * replaced moves its mtime and ctime), or when the folder itself is replaced.
 */
export function folderStamp(absDir: string): string {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(absDir);
  } catch {
    return 'gone';
  }
  return `${st.isDirectory() ? 'dir' : 'other'}:${st.dev}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
}

export interface WalkState {
  /** The root's realpath. */
  root: string;
  /** The root followed by the path separator: files are `prefix + name`. */
  prefix: string;
  ignores: ReadonlySet<string>;
  allowSymlinks: boolean;
  hub: HubRepo | undefined;
}

export function walkState(root: string, options: Pick<WalkOptions, 'ignores' | 'allowSymlinks'>): WalkState {
  return {
    root,
    prefix: root.endsWith(path.sep) ? root : root + path.sep,
    ignores: options.ignores ?? new Set<string>(),
    allowSymlinks: options.allowSymlinks ?? false,
    hub: hubRepoOf(root),
  };
}

/**
 * Reads one directory of the walk: its files go to `sink`, its subdirectories onto
 * `pending`. Every decision about an entry (names, links, special files) is made here,
 * whichever thread walks the directory.
 */
export function walkDirectory(state: WalkState, relDir: string, pending: string[], sink: WalkSink): void {
  const absDir = relDir === '' ? state.root : state.prefix + relDir;
  sink.folder?.(relDir, folderStamp(absDir));
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
    if (state.ignores.has(rel)) continue;
    const abs = state.prefix + rel;
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
      sink.file(rel, size);
    } else if (entry.isSymbolicLink()) {
      // A Hugging Face cache snapshot: its links into the repository's blobs/ are its files.
      const hubFile = state.hub ? resolveHubLink(state.hub, abs) : undefined;
      if (hubFile) {
        sink.link(rel, hubFile.file, hubFile.size);
        continue;
      }
      if (!state.allowSymlinks) {
        throw new ModelsealError('SYMLINK_REFUSED', 'is a symbolic link; pass --allow-symlinks to hash links to files inside the artifact', { file: abs });
      }
      const target = resolveLink(state.root, abs);
      sink.link(rel, target.file, target.size);
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

/** A sink that lists what the walk finds as ArtifactFiles (unsorted). */
export function filesSink(prefix: string, files: ArtifactFile[]): WalkSink {
  const WalkedFile = walkedFileClass(prefix);
  return {
    file: (name, size) => files.push(new WalkedFile(name, size)),
    link: (name, file, size) => files.push({ name, file, size }),
  };
}

/**
 * Walks every folder under the root into `sink`, in no particular order. Once the tree
 * proves large, the folders still to walk are shared with helper threads (walk-helpers.ts).
 */
export function walkTree(state: WalkState, sink: WalkSink, options: WalkOptions['helpers'] = {}): void {
  let seen = 0;
  const counted: WalkSink = {
    file: (name, size) => {
      seen++;
      sink.file(name, size);
    },
    link: (name, file, size) => {
      seen++;
      sink.link(name, file, size);
    },
    ...(sink.folder ? { folder: sink.folder.bind(sink) } : {}),
  };
  const pending: string[] = [];
  const after = options.after ?? HELP_AFTER_FILES;
  let helpers: WalkHelpers | undefined;
  try {
    for (let dir: string | undefined = ''; dir !== undefined; dir = pending.pop() ?? helpers?.claim()) {
      walkDirectory(state, dir, pending, counted);
      // Once, when the tree proves large: the folders still to walk are shared with helper threads.
      if (!helpers && seen >= after && pending.length >= 2) helpers = startWalkHelpers(state, pending, options.threads, sink.folder !== undefined);
    }
    helpers?.join(sink);
  } finally {
    helpers?.stop();
  }
}

/**
 * Lists the files of an artifact deterministically. Iterative (no recursion limit),
 * never follows a link outside the root, and refuses anything that is not a regular
 * file or directory before reading it (a FIFO would block the reader forever). A large
 * tree is walked by several threads (walk-helpers.ts), each running walkDirectory.
 */
export function walkArtifact(artifact: string, options: WalkOptions = {}): ArtifactTree {
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

  const state = walkState(root, options);
  const files: ArtifactFile[] = [];
  walkTree(state, filesSink(state.prefix, files), options.helpers);
  files.sort((a, b) => comparePaths(a.name, b.name));
  return { root, singleFile: false, files };
}
