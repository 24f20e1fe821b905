import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError, fsError } from '../errors';

export interface AtomicWriteOptions {
  /** Replace an existing regular file (never a symlink or anything else). */
  force?: boolean;
  /** File mode of the new file, e.g. 0o600 for private keys. */
  mode?: number;
  /** Called after the temp file is written and fsynced, before the rename (crash tests hook here). */
  beforeRename?: (tmp: string) => void;
}

/**
/**
 * The checks writeFileAtomic makes before writing, for callers that want to fail
 * before long work (hashing a model) rather than after it.
 */
export function checkOutputPath(target: string, options: Pick<AtomicWriteOptions, 'force'> = {}): void {
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw fsError(err, target);
  }
  if (existing) {
    if (existing.isSymbolicLink()) throw new ModelsealError('OUTPUT_UNSAFE', 'is a symbolic link; refusing to write through it', { file: target });
    if (!existing.isFile()) throw new ModelsealError('OUTPUT_UNSAFE', 'exists and is not a regular file', { file: target });
    if (!options.force) throw new ModelsealError('OUTPUT_EXISTS', 'already exists; pass --force to replace it', { file: target });
  }
  missingFolders(target);
}

/**
 * The folders to create before `target` can be written, outermost first. The folder they go
 * into must be a real folder: a symbolic link (dangling or not) or a file where a folder is
 * to be created is refused, so output is never created through a link.
 */
function missingFolders(target: string): string[] {
  const missing: string[] = [];
  let dir = path.dirname(path.resolve(target));
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw fsError(err, dir);
    }
    if (st) {
      if (missing.length === 0) {
        // The target's own folder exists; following a link here is the user's choice, as for any path.
        let real: fs.Stats;
        try {
          real = fs.statSync(dir);
        } catch {
          throw new ModelsealError('OUTPUT_UNSAFE', 'is a dangling symbolic link; refusing to create output through it', { file: dir });
        }
        if (!real.isDirectory()) throw new ModelsealError('OUTPUT_UNSAFE', 'is not a folder', { file: dir });
        return missing;
      }
      if (st.isSymbolicLink()) throw new ModelsealError('OUTPUT_UNSAFE', 'is a symbolic link; refusing to create output folders through it', { file: dir });
      if (!st.isDirectory()) throw new ModelsealError('OUTPUT_UNSAFE', 'is not a folder', { file: dir });
      return missing;
    }
    missing.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) return missing;
    dir = parent;
  }
}

/** Creates the missing output folders one at a time (never recursively through a link). */
function makeFolders(target: string): void {
  for (const dir of missingFolders(target)) {
    try {
      fs.mkdirSync(dir, { mode: 0o755 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(err, dir);
    }
    // Someone may have raced a link into place; what is there now must be a real folder.
    const st = fs.lstatSync(dir);
    if (st.isSymbolicLink() || !st.isDirectory()) throw new ModelsealError('OUTPUT_UNSAFE', 'is not a real folder; refusing to write into it', { file: dir });
  }
}

/**
 * Writes a file atomically: a new temp file in the same folder, fsync, rename over
 * the target, fsync the folder. Creates missing folders (never through a symlink),
 * refuses to replace an existing file without `force`, and never writes through a symlink.
 */
/** `data` may be a sequence of chunks, written one after another as they are produced (large signatures). */
export function writeFileAtomic(target: string, data: string | Buffer | Iterable<string | Buffer>, options: AtomicWriteOptions = {}): void {
  const dir = path.dirname(path.resolve(target));
  checkOutputPath(target, options);
  makeFolders(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = options.mode ?? 0o644;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, mode);
    fs.fchmodSync(fd, mode); // the umask must not loosen or tighten what was asked for
    if (typeof data === 'string' || Buffer.isBuffer(data)) fs.writeFileSync(fd, data);
    else for (const chunk of data) fs.writeFileSync(fd, chunk); // an fd: each write continues at the file position
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    options.beforeRename?.(tmp);
    fs.renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw fsError(err, target);
  }
  try {
    const dfd = fs.openSync(dir, fs.constants.O_RDONLY);
    fs.fsyncSync(dfd);
    fs.closeSync(dfd);
  } catch {
    // Some filesystems cannot fsync a directory; the rename itself is still atomic.
  }
}
