import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError, fsError } from '../errors';
import { walkArtifact } from '../digest/walk';
import { analyzeFile, scanStatus, type FileAnalysis, type ScanStatus } from './file-format';

export interface FileScan extends FileAnalysis {
  /** Path relative to the scanned folder ("." when a single file was scanned). */
  name: string;
  file: string;
  size: number;
  status: ScanStatus;
}

export interface ScanResult {
  path: string;
  files: FileScan[];
  /** True when any file holds a dangerous or unscannable pickle, or a malformed container. */
  flagged: boolean;
}

function scanFile(file: string, name: string): FileScan {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (err) {
    throw fsError(err, file);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ModelsealError('SPECIAL_FILE', 'is not a regular file', { file });
    const readAt = (offset: number, length: number) => {
      const buf = Buffer.allocUnsafe(length);
      let off = 0;
      while (off < length) {
        const n = fs.readSync(fd, buf, off, length - off, offset + off);
        if (n === 0) throw new ModelsealError('FILE_CHANGED', 'shrank while being scanned', { file });
        off += n;
      }
      return buf;
    };
    const analysis = analyzeFile(name === '.' ? path.basename(file) : name, readAt, st.size);
    return { name, file, size: st.size, ...analysis, status: scanStatus(analysis) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Scans a file, or every file of a folder, for pickles (raw or inside zip checkpoints)
 * and lists what they import; checks safetensors headers. Reads only, never unpickles.
 */
export function scanPath(target: string): ScanResult {
  const tree = walkArtifact(path.resolve(target), { ignores: new Set(), allowSymlinks: false });
  const files = tree.files.map((f) => scanFile(f.file, f.name));
  const flagged = files.some((f) => f.status === 'dangerous' || f.status === 'unscannable' || f.status === 'invalid');
  return { path: path.resolve(target), files, flagged };
}
