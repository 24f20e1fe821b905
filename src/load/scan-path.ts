import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError, fsError } from '../errors';
import { walkArtifact } from '../digest/walk';
import { analyzeSource, type AnalyzeOptions, type FileAnalysis } from './file-format';
import type { ByteSource } from './byte-source';

export interface FileScan extends FileAnalysis {
  /** Path relative to the scanned folder (the base name when a single file was scanned). */
  name: string;
  file: string;
  size: number;
}

export interface ScanResult {
  path: string;
  files: FileScan[];
  /** True unless every file is SAFE. */
  flagged: boolean;
}

/** A file opened once (no symlink followed) and read by offset: nothing is read that the analysers skip. */
function withFileSource<T>(file: string, fn: (src: ByteSource) => T): T {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (err) {
    throw fsError(err, file);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ModelsealError('SPECIAL_FILE', 'is not a regular file', { file });
    const read = (offset: number, length: number) => {
      if (offset < 0 || offset + length > st.size) throw new ModelsealError('INTERNAL_ERROR', 'format check read outside the file', { file });
      const buf = Buffer.allocUnsafe(length);
      let off = 0;
      while (off < length) {
        const n = fs.readSync(fd, buf, off, length - off, offset + off);
        if (n === 0) throw new ModelsealError('FILE_CHANGED', 'shrank while being scanned', { file });
        off += n;
      }
      return buf;
    };
    return fn({ size: st.size, read });
  } finally {
    fs.closeSync(fd);
  }
}

export function scanFile(file: string, name: string, opts: AnalyzeOptions = {}): FileScan {
  return withFileSource(file, (src) => ({ name, file, size: src.size, ...analyzeSource(name, src, opts) }));
}

/**
 * Scans a file, or every file of a folder, with the load-time analyser: each file's
 * format, verdict, the globals its pickles import and why it is not SAFE. Reads only,
 * never unpickles; tensor data is skipped, not read.
 */
export function scanPath(target: string, opts: AnalyzeOptions = {}): ScanResult {
  const tree = walkArtifact(path.resolve(target), { ignores: new Set(), allowSymlinks: false });
  const single = tree.files.length === 1 && tree.files[0].name === '.';
  const files = tree.files.map((f) => scanFile(f.file, single ? path.basename(f.file) : f.name, opts));
  return { path: path.resolve(target), files, flagged: files.some((f) => f.verdict !== 'SAFE') };
}
