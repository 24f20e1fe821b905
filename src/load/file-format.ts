import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { looksLikePickle, PickleError, scanPickle, type PickleImport } from './pickle-scan';
import { checkSafetensorsHeader, MAX_SAFETENSORS_HEADER, SafetensorsError, type SafetensorsInfo } from './safetensors';
import { extractZipEntry, isPickleEntry, looksLikeZip, readZipEntries, ZipError, type ReadAt } from './zip-entries';

/** Extensions that name pickle-based formats: refused at load whatever their content. */
export const PICKLE_EXTENSIONS: readonly string[] = ['.pkl', '.pickle', '.pt', '.pth', '.ckpt'];
/** Extensions that may or may not hold a pickle (`pytorch_model.bin`): decided by content. */
export const MAYBE_PICKLE_EXTENSIONS: readonly string[] = ['.bin'];

/** The largest pickle (raw, or one zip entry) read into memory to be scanned. */
export const MAX_PICKLE_SCAN_BYTES = 1024 * 1024 * 1024;

export type FileFormat = 'pickle' | 'pytorch-zip' | 'zip' | 'safetensors' | 'other';

export interface PickleReport {
  /** The zip entry holding the pickle; absent for a raw pickle file. */
  entry?: string;
  /** True when the entry was deflated (it was inflated to be scanned). */
  compressed?: boolean;
  imports: PickleImport[];
  dangers: string[];
  /** Why this pickle could not be scanned (malformed, encrypted, unknown compression, too large). */
  error?: string;
}

export interface FileAnalysis {
  format: FileFormat;
  pickles: PickleReport[];
  safetensors?: SafetensorsInfo;
  /** A malformed container (safetensors header, zip). */
  invalid?: string;
}

function extOf(name: string): string {
  return path.posix.extname(name).toLowerCase();
}

export function isPickleNamed(name: string): boolean {
  return PICKLE_EXTENSIONS.includes(extOf(name));
}

/**
 * How many leading bytes must be verified before a file's format can be judged:
 * 'all' for pickles and zips (a zip's directory is at its end), a byte count for
 * safetensors, 0 when the first bytes already show it is none of these.
 */
export function bytesNeededToJudge(name: string, head: Buffer, size: number): number | 'all' {
  if (isPickleNamed(name) || looksLikePickle(head) || looksLikeZip(head)) return 'all';
  if (extOf(name) === '.safetensors') {
    if (head.length < 8) return Math.min(8, size);
    const n = head.readBigUInt64LE(0);
    // An impossible or oversized length is refused from the first 8 bytes alone.
    return n > BigInt(size) || n > BigInt(MAX_SAFETENSORS_HEADER) ? Math.min(8, size) : Math.min(size, 8 + Number(n));
  }
  return 0;
}

function scanOne(bytes: Buffer, report: Omit<PickleReport, 'imports' | 'dangers'>): PickleReport {
  try {
    const scan = scanPickle(bytes);
    return { ...report, imports: scan.imports, dangers: scan.dangers };
  } catch (err) {
    if (err instanceof PickleError) return { ...report, imports: [], dangers: [], error: `malformed pickle: ${err.message}` };
    throw err;
  }
}

function analyzeZip(readAt: ReadAt, size: number): FileAnalysis {
  let entries;
  try {
    entries = readZipEntries(readAt, size);
  } catch (err) {
    if (err instanceof ZipError) return { format: 'zip', pickles: [], invalid: `malformed zip: ${err.message}` };
    throw err;
  }
  const pickles: PickleReport[] = [];
  for (const e of entries.filter((x) => isPickleEntry(x.name))) {
    const base = { entry: e.name, ...(e.method === 8 ? { compressed: true } : {}) };
    let bytes: Buffer | null;
    try {
      bytes = extractZipEntry(readAt, e, MAX_PICKLE_SCAN_BYTES);
    } catch (err) {
      if (err instanceof ZipError) return { format: 'pytorch-zip', pickles, invalid: `malformed zip: ${err.message}` };
      throw err;
    }
    if (bytes === null) {
      const why = e.encrypted ? 'encrypted' : e.size > MAX_PICKLE_SCAN_BYTES ? `over ${MAX_PICKLE_SCAN_BYTES} bytes` : `compression method ${e.method} is not supported`;
      pickles.push({ ...base, imports: [], dangers: [], error: `cannot be scanned: ${why}` });
    } else {
      pickles.push(scanOne(bytes, base));
    }
  }
  return { format: pickles.length > 0 ? 'pytorch-zip' : 'zip', pickles };
}

/** Judges a file's format and scans what it would unpickle. `readAt` reads the file's (verified) bytes. */
export function analyzeFile(name: string, readAt: ReadAt, size: number): FileAnalysis {
  const head = readAt(0, Math.min(size, 8));
  if (looksLikeZip(head)) return analyzeZip(readAt, size);
  if (looksLikePickle(head) || isPickleNamed(name)) {
    if (size > MAX_PICKLE_SCAN_BYTES) {
      // The pickle stream of a legacy torch file precedes its tensor data: scan a bounded prefix.
      return { format: 'pickle', pickles: [scanOne(readAt(0, MAX_PICKLE_SCAN_BYTES), {})] };
    }
    return { format: 'pickle', pickles: [scanOne(readAt(0, size), {})] };
  }
  if (extOf(name) === '.safetensors') {
    const headerEnd = bytesNeededToJudge(name, head, size) as number;
    try {
      return { format: 'safetensors', pickles: [], safetensors: checkSafetensorsHeader(readAt(0, headerEnd), size) };
    } catch (err) {
      if (err instanceof SafetensorsError) return { format: 'safetensors', pickles: [], invalid: err.message };
      throw err;
    }
  }
  return { format: 'other', pickles: [] };
}

export type ScanStatus = 'clean' | 'dangerous' | 'unscannable' | 'invalid' | 'not-scanned';

/** One word for a file's scan: dangerous imports beat unscannable pickles beat malformed containers. */
export function scanStatus(a: FileAnalysis): ScanStatus {
  if (a.pickles.some((p) => p.dangers.length > 0)) return 'dangerous';
  if (a.pickles.some((p) => p.error !== undefined)) return 'unscannable';
  if (a.invalid !== undefined) return 'invalid';
  return a.format === 'other' || a.format === 'zip' ? 'not-scanned' : 'clean';
}

/**
 * The load decision for one verified file. Pickle-based files are refused unless
 * `allowPickle`; even then a pickle that imports something dangerous, or that cannot
 * be scanned, is refused. Malformed safetensors headers and zips are refused.
 */
export function loadRefusal(file: string, name: string, a: FileAnalysis, allowPickle: boolean): ModelsealError | null {
  const isPickle = a.format === 'pickle' || a.format === 'pytorch-zip' || isPickleNamed(name);
  if (isPickle && !allowPickle) {
    const where = a.format === 'pytorch-zip' ? ' (a PyTorch zip checkpoint)' : '';
    return new ModelsealError('PICKLE_REFUSED', `is a pickle-based file${where}, which can run code when loaded; convert it to safetensors, or allow pickles for this artifact in the policy (allowPickle)`, { file });
  }
  const dangers = a.pickles.flatMap((p) => p.dangers.map((d) => (p.entry ? `${p.entry}: ${d}` : d)));
  if (dangers.length > 0) {
    return new ModelsealError('DANGEROUS_IMPORT', `holds a pickle that can run code: ${dangers.slice(0, 3).join('; ')}${dangers.length > 3 ? ` and ${dangers.length - 3} more` : ''}`, { file, details: dangers });
  }
  const broken = a.pickles.find((p) => p.error !== undefined);
  if (broken) return new ModelsealError('FORMAT_INVALID', `${broken.entry ? `${broken.entry}: ` : ''}${broken.error}`, { file });
  if (a.invalid !== undefined) return new ModelsealError('FORMAT_INVALID', a.invalid, { file });
  return null;
}
