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
 * Writes a file atomically: a new temp file in the same folder, fsync, rename over
 * the target, fsync the folder. Refuses to replace an existing file without
 * `force`, and never writes through a symlink.
 */
/**
 * The checks writeFileAtomic makes before writing, for callers that want to fail
 * before long work (hashing a model) rather than after it.
 */
export function checkOutputPath(target: string, options: Pick<AtomicWriteOptions, 'force'> = {}): void {
  const dir = path.dirname(path.resolve(target));
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(err, target);
  }
  if (existing) {
    if (existing.isSymbolicLink()) throw new ModelsealError('OUTPUT_UNSAFE', 'is a symbolic link; refusing to write through it', { file: target });
    if (!existing.isFile()) throw new ModelsealError('OUTPUT_UNSAFE', 'exists and is not a regular file', { file: target });
    if (!options.force) throw new ModelsealError('OUTPUT_EXISTS', 'already exists; pass --force to replace it', { file: target });
  }
  if (!fs.existsSync(dir)) throw new ModelsealError('PATH_NOT_FOUND', 'folder does not exist', { file: dir });
}

/** `data` may be a sequence of chunks, written one after another as they are produced (large signatures). */
export function writeFileAtomic(target: string, data: string | Buffer | Iterable<string | Buffer>, options: AtomicWriteOptions = {}): void {
  const dir = path.dirname(path.resolve(target));
  checkOutputPath(target, options);
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
