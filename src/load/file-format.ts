import * as path from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import { ModelsealError } from '../errors';
import { bufferSource, sliceSource, type ByteSource } from './byte-source';
import { npyHeaderEnd, NpyError, NPY_MAGIC, parseNpyHeader } from './npy-header';
import { scanPickle, verdictOf, type Finding, type PickleGlobal, type Verdict } from './pickle-scan';
import { onnxExternalData } from './onnx-external-data';
import { checkSafetensorsHeader, MAX_SAFETENSORS_HEADER, SafetensorsError, type SafetensorsInfo } from './safetensors';
import { extractZipEntry, isPickleEntry, looksLikeZip, readZipEntries, ZipError, zipEntryPrefix, type ZipEntry } from './zip-entries';

/**
 * The one answer to "is this file safe to load": judges a file's format by its content
 * (and, where content is silent, its name) and analyses what its loader would unpickle
 * or execute. Verdicts: SAFE (a format that does not run code, or a pickle that imports
 * only allowlisted globals), DANGEROUS (known code execution), UNSAFE_UNKNOWN (imports
 * or calls something not on the allowlist), UNSCANNABLE (may run code, but cannot be
 * analysed here: malformed, compressed with an unsupported codec, too large, HDF5...).
 */

/** Extensions that name pickle-based formats: analysed as pickles whatever their first bytes. */
export const PICKLE_EXTENSIONS: readonly string[] = ['.pkl', '.pickle', '.pt', '.pth', '.ckpt', '.joblib', '.sav', '.dill', '.mar'];
/** Extensions of source or native code: a loader that finds them may run them (trust_remote_code, ctypes). */
const CODE_EXTENSIONS = ['.py', '.pyc', '.pyo', '.pyd', '.so', '.dll', '.dylib', '.sh', '.bat', '.exe', '.ipynb', '.js'];
/** Data formats whose loaders do not execute code, recognised by extension where they have no magic. */
const DATA_EXTENSIONS = ['.model', '.tiktoken', '.png', '.jpg', '.jpeg', '.gif', '.webp', '.wav', '.flac', '.parquet', '.arrow', '.msgpack', '.tflite', '.spm'];

/** The largest compressed pickle (zip entry, gzip, zlib) inflated into memory to be scanned. */
export const MAX_INFLATED_BYTES = 512 * 1024 * 1024;
/** The largest JSON document parsed (config files); larger ones are only checked to be UTF-8 text. */
const MAX_JSON = 64 * 1024 * 1024;
const LEGACY_TORCH_MAGIC = 0x1950a86a20f9469cfc6cn;

export type FileFormat =
  | 'empty' | 'safetensors' | 'gguf' | 'json' | 'text' | 'data' | 'pickle' | 'torch-legacy' | 'torch-zip' | 'torchscript'
  | 'zip' | 'npz' | 'npy' | 'keras' | 'hdf5' | 'onnx' | 'gzip' | 'zlib' | 'bz2' | 'xz' | 'lzma' | 'lz4' | 'tar' | 'code' | 'unknown';

/** Stable codes for why a file is not SAFE (beside the pickle findings). */
export type ReasonCode =
  | 'ZIP_INVALID' | 'SAFETENSORS_INVALID' | 'NPY_INVALID' | 'COMPRESSED_INVALID' | 'COMPRESSION_UNSUPPORTED' | 'TOO_LARGE'
  | 'ENCRYPTED' | 'TORCHSCRIPT' | 'TORCH_LEGACY_TAR' | 'KERAS_LAMBDA' | 'KERAS_MODULE' | 'KERAS_CONFIG_INVALID'
  | 'HDF5_UNSCANNABLE' | 'ZIP_CONTENT_UNKNOWN' | 'NESTED_ARCHIVE' | 'CODE_FILE' | 'UNKNOWN_FORMAT'
  | 'ONNX_EXTERNAL_DATA' | 'ONNX_INVALID' | 'ONNX_TOO_LARGE';

export interface Reason {
  code: ReasonCode;
  verdict: Exclude<Verdict, 'SAFE'>;
  message: string;
  entry?: string;
}

export interface PickleReport {
  /** The archive entry holding the pickle; absent for a raw pickle file. */
  entry?: string;
  verdict: Verdict;
  protocol: number;
  pickles: number;
  globals: PickleGlobal[];
  findings: Finding[];
}

export interface FileAnalysis {
  format: FileFormat;
  verdict: Verdict;
  pickles: PickleReport[];
  reasons: Reason[];
  safetensors?: SafetensorsInfo;
  /** Whether a loader of this file unpickles (pickle, torch, joblib, object arrays): refused unless the rule allows pickles. */
  usesPickle: boolean;
}

export interface AnalyzeOptions {
  /** Extra globals allowed by exact name ("module:name" or "module.name"). */
  allowGlobals?: readonly string[];
}

const RANK: Record<Verdict, number> = { SAFE: 0, UNSCANNABLE: 1, UNSAFE_UNKNOWN: 2, DANGEROUS: 3 };
export function worst(...vs: Verdict[]): Verdict {
  return vs.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'SAFE' as Verdict);
}

function extOf(name: string): string {
  return path.posix.extname(name).toLowerCase();
}

export function isPickleNamed(name: string): boolean {
  return PICKLE_EXTENSIONS.includes(extOf(name)) || /\.pkl\.(gz|z|bz2|xz|lzma)$/i.test(name);
}

/**
 * How many leading bytes must be verified before the format can be judged: the
 * safetensors header, or 'all' (a zip's directory is at its end; a pickle may be anywhere).
 */
export function bytesNeededToJudge(name: string, head: Buffer, size: number): number | 'all' {
  if (extOf(name) === '.safetensors' && head.length >= 8) {
    const n = head.readBigUInt64LE(0);
    return n > BigInt(size) || n > BigInt(MAX_SAFETENSORS_HEADER) ? Math.min(8, size) : Math.min(size, 8 + Number(n));
  }
  return 'all';
}

function finish(a: Omit<FileAnalysis, 'verdict'>): FileAnalysis {
  return { ...a, verdict: worst(...a.pickles.map((p) => p.verdict), ...a.reasons.map((r) => r.verdict)) };
}

function reason(code: ReasonCode, verdict: Reason['verdict'], message: string, entry?: string): Reason {
  return { code, verdict, message, ...(entry !== undefined ? { entry } : {}) };
}

/**
 * Analyses a pickle stream as every loader reads it: pickle.load (one pickle), loaders that
 * read pickles until the data ends, legacy torch (five pickles, then raw storages that are
 * never unpickled) and joblib (arrays inline after their wrapper's BUILD).
 */
export function analyzePickleStream(src: ByteSource, opts: AnalyzeOptions, entry?: string): PickleReport {
  const allowGlobals = opts.allowGlobals ?? [];
  const first = scanPickle(src, { allowGlobals, pickles: 1 });
  let plain;
  if (first.pickles === 1 && first.firstInt === LEGACY_TORCH_MAGIC) plain = scanPickle(src, { allowGlobals, pickles: 5 });
  else plain = scanPickle(src, { allowGlobals, pickles: 'all', lenientTrailing: true });
  let findings = plain.findings;
  const globals = new Map(plain.globals.map((g) => [`${g.module}:${g.name}`, g]));
  let pickles = plain.pickles;
  if (plain.joblibArrays) {
    const jl = scanPickle(src, { allowGlobals, pickles: 'all', lenientTrailing: true, joblib: true });
    // pickle.load breaks off at the first inline array; joblib.load reads on: each reading is judged.
    if (jl.pickles >= 1) findings = findings.filter((f) => f.code !== 'MALFORMED');
    findings = [...findings, ...jl.findings.filter((f) => !findings.some((g) => g.code === f.code && g.offset === f.offset))];
    for (const g of jl.globals) globals.set(`${g.module}:${g.name}`, g);
    pickles = Math.max(pickles, jl.pickles);
  }
  return { ...(entry !== undefined ? { entry } : {}), verdict: verdictOf(findings), protocol: Math.max(first.protocol, plain.protocol), pickles, globals: [...globals.values()], findings };
}

/** Whether the bytes read as a pickle (complete, or breaking off after importing something). */
function looksPickled(src: ByteSource, opts: AnalyzeOptions): PickleReport | null {
  const r = analyzePickleStream(src, opts);
  if (r.pickles >= 1) return r;
  return r.findings.some((f) => f.code !== 'MALFORMED' && f.code !== 'TOO_COMPLEX') ? r : null;
}

function readAll(src: ByteSource, max: number): Buffer | null {
  return src.size > max ? null : src.read(0, src.size);
}

/** Valid UTF-8 without control characters other than whitespace, read in chunks (any size, bounded memory). */
function isText(src: ByteSource): boolean {
  const dec = new TextDecoder('utf-8', { fatal: true });
  try {
    for (let o = 0; o < src.size; o += 1 << 20) {
      const chunk = src.read(o, Math.min(1 << 20, src.size - o));
      for (const c of chunk) if (c < 0x20 && !(c >= 0x09 && c <= 0x0d)) return false;
      dec.decode(chunk, { stream: true });
    }
    dec.decode();
    return true;
  } catch {
    return false;
  }
}

function walkKeras(node: unknown, reasons: Reason[], entry: string | undefined, depth = 0): void {
  if (depth > 200 || reasons.length > 20) return;
  if (Array.isArray(node)) {
    for (const n of node) walkKeras(n, reasons, entry, depth + 1);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const o = node as Record<string, unknown>;
  if (o.class_name === 'Lambda' || o.class_name === 'TFOpLambda' || o.class_name === '__lambda__' || o.function_type === 'lambda') {
    reasons.push(reason('KERAS_LAMBDA', 'DANGEROUS', `a Keras ${String(o.class_name ?? 'lambda')} layer carries marshalled Python code that runs when the model is loaded`, entry));
  }
  // Functions named in a config are imported by Keras (module + name): only its own function tables pass.
  if (o.class_name === 'function' && !(typeof o.module === 'string' && /^keras\.(activations|losses|metrics|initializers|regularizers|constraints|ops)$/.test(o.module))) {
    reasons.push(reason('KERAS_MODULE', 'UNSAFE_UNKNOWN', `the Keras config imports the function ${JSON.stringify(`${String(o.module)}.${String(o.config)}`.slice(0, 100))}`, entry));
  }
  if (typeof o.module === 'string' && typeof o.class_name === 'string' && !/^keras(\.|$)/.test(o.module)) {
    reasons.push(reason('KERAS_MODULE', 'UNSAFE_UNKNOWN', `the Keras config imports ${JSON.stringify(`${o.module}.${o.class_name}`.slice(0, 100))}, which is not a Keras module`, entry));
  }
  for (const v of Object.values(o)) walkKeras(v, reasons, entry, depth + 1);
}

function kerasConfig(bytes: Buffer | null, entry: string | undefined): Reason[] {
  if (bytes === null) return [reason('TOO_LARGE', 'UNSCANNABLE', 'the Keras config is too large to analyse', entry)];
  let cfg: unknown;
  try {
    cfg = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return [reason('KERAS_CONFIG_INVALID', 'UNSCANNABLE', 'the Keras config is not valid UTF-8 JSON', entry)];
  }
  const reasons: Reason[] = [];
  walkKeras(cfg, reasons, entry);
  return reasons;
}

function npyAnalysis(src: ByteSource, opts: AnalyzeOptions, entry?: string): { pickles: PickleReport[]; reasons: Reason[]; usesPickle: boolean } {
  try {
    const head = src.read(0, Math.min(src.size, npyHeaderEnd(src.read(0, Math.min(src.size, 12)))));
    const h = parseNpyHeader(head, src.size);
    if (!h.hasObject) return { pickles: [], reasons: [], usesPickle: false };
    return { pickles: [analyzePickleStream(sliceSource(src, h.dataOffset, src.size - h.dataOffset), opts, entry)], reasons: [], usesPickle: true };
  } catch (err) {
    if (err instanceof NpyError) return { pickles: [], reasons: [reason('NPY_INVALID', 'UNSCANNABLE', `malformed .npy: ${err.message}`, entry)], usesPickle: false };
    throw err;
  }
}

function startsWithNpyMagic(src: ByteSource, e: ZipEntry): boolean {
  if (e.encrypted || (e.method !== 0 && e.method !== 8) || e.size < NPY_MAGIC.length) return false;
  try {
    const p = zipEntryPrefix(src, e, NPY_MAGIC.length);
    return p !== null && p.equals(NPY_MAGIC);
  } catch {
    return false;
  }
}

function analyzeZip(src: ByteSource, name: string, opts: AnalyzeOptions): FileAnalysis {
  let entries: ZipEntry[];
  try {
    entries = readZipEntries(src);
  } catch (err) {
    if (err instanceof ZipError) return finish({ format: 'zip', pickles: [], reasons: [reason('ZIP_INVALID', 'UNSCANNABLE', `malformed zip: ${err.message}`)], usesPickle: false });
    throw err;
  }
  const pickles: PickleReport[] = [];
  const reasons: Reason[] = [];
  let usesPickle = false;
  let npy = 0;
  let torchscript = false;
  const entrySource = (e: ZipEntry): ByteSource | Reason => {
    if (e.encrypted) return reason('ENCRYPTED', 'UNSCANNABLE', 'is encrypted', e.name);
    if (e.method === 0) return sliceSource(src, e.dataOffset, e.size);
    if (e.method !== 8) return reason('COMPRESSION_UNSUPPORTED', 'UNSCANNABLE', `uses compression method ${e.method}`, e.name);
    if (e.size > MAX_INFLATED_BYTES || e.compressedSize > MAX_INFLATED_BYTES) return reason('TOO_LARGE', 'UNSCANNABLE', `declares ${e.size} bytes, over the ${MAX_INFLATED_BYTES}-byte inflate limit`, e.name);
    try {
      const b = extractZipEntry(src, e, MAX_INFLATED_BYTES);
      return b === null ? reason('COMPRESSION_UNSUPPORTED', 'UNSCANNABLE', 'cannot be extracted', e.name) : bufferSource(b);
    } catch (err) {
      if (err instanceof ZipError) return reason('ZIP_INVALID', 'UNSCANNABLE', err.message, e.name);
      throw err;
    }
  };
  const isKeras = extOf(name) === '.keras' || (entries.some((e) => e.name === 'config.json') && entries.some((e) => e.name === 'metadata.json'));
  for (const e of entries) {
    const base = path.posix.basename(e.name);
    if (isPickleEntry(e.name)) {
      usesPickle = true;
      if (/(^|\/)constants\.pkl$/.test(e.name)) torchscript = true;
      const s = entrySource(e);
      if ('code' in s) reasons.push(s);
      else pickles.push(analyzePickleStream(s, opts, e.name));
    } else if (/(^|\/)code\/.+\.py$/.test(e.name)) {
      torchscript = true;
    } else if (!isKeras && (extOf(e.name) === '.npy' || startsWithNpyMagic(src, e))) {
      // np.load(npz)[key] reads any member that starts with the .npy magic as an array, whatever its name.
      npy++;
      const head = e.method === 0 || e.method === 8 ? (() => {
        try {
          return zipEntryPrefix(src, e, 12);
        } catch {
          return null;
        }
      })() : null;
      if (head === null) {
        reasons.push(reason('COMPRESSION_UNSUPPORTED', 'UNSCANNABLE', 'cannot be read', e.name));
        continue;
      }
      let full: ByteSource | Reason;
      if (e.method === 0) full = sliceSource(src, e.dataOffset, e.size);
      else {
        // Only the header is inflated unless the array holds objects (then the pickle is needed).
        const need = head.length >= 10 ? npyHeaderEnd(head) : 12;
        let hdr: Buffer | null = null;
        try {
          hdr = zipEntryPrefix(src, e, need);
        } catch {
          hdr = null;
        }
        let hasObject = true;
        try {
          hasObject = hdr !== null && parseNpyHeader(hdr, e.size).hasObject;
        } catch {
          hasObject = true;
        }
        full = hasObject ? entrySource(e) : bufferSource(hdr as Buffer);
        if (!hasObject && hdr !== null) {
          // The header is all that is needed: parse it against the declared entry size.
          const r = npyAnalysis({ size: e.size, read: (o, n) => (o + n <= hdr!.length ? hdr!.subarray(o, o + n) : Buffer.alloc(0)) }, opts, e.name);
          reasons.push(...r.reasons);
          continue;
        }
      }
      if ('code' in full) {
        reasons.push(full);
        continue;
      }
      const r = npyAnalysis(full, opts, e.name);
      pickles.push(...r.pickles);
      reasons.push(...r.reasons);
      usesPickle ||= r.usesPickle;
    } else if (isKeras && e.name === 'config.json') {
      const s = entrySource(e);
      if ('code' in s) reasons.push(s);
      else reasons.push(...kerasConfig(readAll(s, MAX_JSON), e.name));
    } else if (isKeras && (e.name === 'model.weights.h5' || e.name === 'metadata.json')) {
      // Keras 3 reads only tensors from model.weights.h5 (h5py datasets); the model is built from config.json.
    } else if (PICKLE_EXTENSIONS.includes(extOf(base)) || ['.zip', '.npz', '.h5', '.gz', '.tar', '.bin'].includes(extOf(base))) {
      reasons.push(reason('NESTED_ARCHIVE', 'UNSCANNABLE', 'is a nested model file, which is not analysed inside an archive', e.name));
    }
  }
  if (torchscript) reasons.push(reason('TORCHSCRIPT', 'UNSCANNABLE', 'is a TorchScript archive: torch.load hands it to torch.jit.load, which runs its code'));
  const format: FileFormat = torchscript ? 'torchscript' : entries.some((e) => isPickleEntry(e.name)) ? 'torch-zip' : npy > 0 ? 'npz' : isKeras ? 'keras' : 'zip';
  if (format === 'zip') reasons.push(reason('ZIP_CONTENT_UNKNOWN', 'UNSCANNABLE', 'is a zip archive that is neither a torch checkpoint, an .npz nor a .keras model'));
  return finish({ format, pickles, reasons, usesPickle });
}

function tarMembers(src: ByteSource): Array<{ name: string; offset: number; size: number }> | null {
  const out: Array<{ name: string; offset: number; size: number }> = [];
  let o = 0;
  let paxName: string | undefined;
  while (o + 512 <= src.size && out.length < 10000) {
    const h = src.read(o, 512);
    if (h.every((b) => b === 0)) break;
    if (h.toString('latin1', 257, 262) !== 'ustar') return null;
    const size = parseInt(h.toString('latin1', 124, 136).replace(/\0.*$/, '').trim() || '0', 8);
    if (!Number.isSafeInteger(size) || o + 512 + size > src.size) return null;
    const type = String.fromCharCode(h[156]);
    const prefix = h.toString('latin1', 345, 500).replace(/\0.*$/s, '');
    const nm = h.toString('latin1', 0, 100).replace(/\0.*$/s, '');
    if (type === 'x' && size < 1 << 20) {
      const m = /\d+ path=([^\n]*)\n/.exec(src.read(o + 512, size).toString('utf8'));
      paxName = m?.[1];
    } else {
      if (type === '0' || type === '\0') out.push({ name: paxName ?? (prefix ? `${prefix}/${nm}` : nm), offset: o + 512, size });
      paxName = undefined;
    }
    o += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function decompressed(format: 'gzip' | 'zlib', src: ByteSource): Buffer | Reason {
  if (src.size > MAX_INFLATED_BYTES) return reason('TOO_LARGE', 'UNSCANNABLE', `is a ${src.size}-byte ${format} stream, over the ${MAX_INFLATED_BYTES}-byte limit for decompressing`);
  try {
    const raw = src.read(0, src.size);
    return format === 'gzip' ? gunzipSync(raw, { maxOutputLength: MAX_INFLATED_BYTES }) : inflateSync(raw, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (err) {
    const tooBig = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
    return tooBig
      ? reason('TOO_LARGE', 'UNSCANNABLE', `decompresses to more than ${MAX_INFLATED_BYTES} bytes`)
      : reason('COMPRESSED_INVALID', 'UNSCANNABLE', `is not a valid ${format} stream`);
  }
}

const ZIP_FORMATS: ReadonlySet<FileFormat> = new Set(['zip', 'torch-zip', 'torchscript', 'npz', 'keras']);

function hasTailEndRecord(src: ByteSource): boolean {
  const n = Math.min(src.size, 22 + 0xffff);
  return n >= 22 && src.read(src.size - n, n).includes(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
}

/** Formats whose magic leaves room for a pickle behind it (GGUF's "G" is BINFLOAT; PNG's 0x89 is NEWFALSE). */
/** ONNX files up to this size are parsed for their external-data locations (protobuf caps a model at 2 GiB). */
const MAX_ONNX_CHECKED = 2 * 1024 * 1024 * 1024;

const POLYGLOT_CHECKED: ReadonlySet<FileFormat> = new Set(['gguf', 'json', 'text', 'data', 'onnx', 'npy', 'empty']);

/** Judges one file. `name` is its path inside the artifact (its extension is a hint where content is silent). */
export function analyzeSource(name: string, src: ByteSource, opts: AnalyzeOptions = {}, depth = 0): FileAnalysis {
  let a = analyzeFormat(name, src, opts, depth);
  // A file that is a data format to one loader may be a pickle to another (pickle.load, joblib.load, torch's legacy reader).
  if (a.verdict === 'SAFE' && POLYGLOT_CHECKED.has(a.format) && src.size > 0) {
    const pk = looksPickled(src, opts);
    if (pk && pk.verdict !== 'SAFE') a = finish({ ...a, pickles: [...a.pickles, pk], usesPickle: true });
  }
  // Python's zipfile (and Keras, which opens models with it) finds a zip by its end record, whatever comes first.
  if (a.verdict === 'SAFE' && !ZIP_FORMATS.has(a.format) && a.format !== 'safetensors' && hasTailEndRecord(src)) {
    const z = analyzeZip(src, name, opts);
    a = finish({ ...a, pickles: [...a.pickles, ...z.pickles], reasons: [...a.reasons, ...z.reasons.map((r) => ({ ...r, message: `read as a zip (it ends with a zip end record): ${r.message}` }))], usesPickle: a.usesPickle || z.usesPickle });
  }
  return a;
}

function analyzeFormat(name: string, src: ByteSource, opts: AnalyzeOptions, depth: number): FileAnalysis {
  const size = src.size;
  if (size === 0) return finish({ format: 'empty', pickles: [], reasons: [], usesPickle: false });
  const ext = extOf(name);
  const result = (format: FileFormat, reasons: Reason[] = [], pickles: PickleReport[] = [], usesPickle = false) => finish({ format, pickles, reasons, usesPickle });
  if (ext === '.safetensors') {
    // Judged from the header alone (a shard-signed file is released once its header shards verified).
    const end = size >= 8 ? (bytesNeededToJudge(name, src.read(0, 8), size) as number) : size;
    try {
      return finish({ format: 'safetensors', pickles: [], reasons: [], safetensors: checkSafetensorsHeader(src.read(0, end), size), usesPickle: false });
    } catch (err) {
      if (!(err instanceof SafetensorsError)) throw err;
      return result('safetensors', [reason('SAFETENSORS_INVALID', 'UNSCANNABLE', err.message)]);
    }
  }
  const head = src.read(0, Math.min(size, 16));

  if (looksLikeZip(head)) return analyzeZip(src, name, opts);
  if (head.length >= 6 && head.subarray(0, 6).equals(NPY_MAGIC)) {
    const r = npyAnalysis(src, opts);
    return result('npy', r.reasons, r.pickles, r.usesPickle);
  }
  if (head.length >= 4 && head.toString('latin1', 0, 4) === 'GGUF') return result('gguf');
  if (head[0] === 0x1f && head[1] === 0x8b) {
    if (depth > 2) return result('gzip', [reason('NESTED_ARCHIVE', 'UNSCANNABLE', 'nests compressed streams too deeply')]);
    const d = decompressed('gzip', src);
    if ('code' in d) return result('gzip', [d]);
    const inner = analyzeSource(name.replace(/\.(gz|gzip)$/i, ''), bufferSource(d), opts, depth + 1);
    return { ...inner, format: 'gzip' };
  }
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return result('bz2', [reason('COMPRESSION_UNSUPPORTED', 'UNSCANNABLE', 'is bz2-compressed (joblib), which is not analysed here')]);
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return result('xz', [reason('COMPRESSION_UNSUPPORTED', 'UNSCANNABLE', 'is xz-compressed (joblib), which is not analysed here')]);
  if (head.length >= 4 && head.readUInt32LE(0) === 0x184d2204) return result('lz4', [reason('COMPRESSION_UNSUPPORTED', 'UNSCANNABLE', 'is lz4-compressed (joblib), which is not analysed here')]);
  if (size >= 512 && src.read(257, 5).toString('latin1') === 'ustar') {
    const members = tarMembers(src);
    const reasons = [reason('TORCH_LEGACY_TAR', 'UNSCANNABLE', 'is a tar archive (torch\'s legacy checkpoint format interleaves pickles with raw storages; torch.load(weights_only=True) refuses it)')];
    const pickles = (members ?? []).filter((m) => ['pickle', 'storages', 'tensors'].includes(m.name) || m.name.endsWith('.pkl')).map((m) => analyzePickleStream(sliceSource(src, m.offset, m.size), opts, m.name));
    return result('tar', reasons, pickles, true);
  }
  const hdf5 = head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]));
  if (hdf5 || ext === '.h5' || ext === '.hdf5') {
    const reasons = [reason('HDF5_UNSCANNABLE', 'UNSCANNABLE', 'is HDF5 (a legacy Keras model may hold Lambda layers with marshalled code); HDF5 is not parsed here')];
    const all = size <= MAX_JSON ? src.read(0, size) : null;
    if (all && /"class_name":\s*"(Lambda|TFOpLambda)"/.test(all.toString('latin1'))) reasons.push(reason('KERAS_LAMBDA', 'DANGEROUS', 'the model config names a Keras Lambda layer, which carries marshalled Python code'));
    return result('hdf5', reasons);
  }
  if (size >= 10 && head[8] === 0x7b && head.readBigUInt64LE(0) < BigInt(Math.min(size, MAX_SAFETENSORS_HEADER)) && head.readBigUInt64LE(0) > 1n) {
    const end = bytesNeededToJudge('x.safetensors', head, size) as number;
    try {
      return finish({ format: 'safetensors', pickles: [], reasons: [], safetensors: checkSafetensorsHeader(src.read(0, end), size), usesPickle: false });
    } catch (err) {
      if (!(err instanceof SafetensorsError)) throw err;
    }
  }
  // joblib's zlib and lzma streams (neither first byte pair can start a pickle CPython reads).
  if (head.length >= 2 && head[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(head[1])) {
    if (depth > 2) return result('zlib', [reason('NESTED_ARCHIVE', 'UNSCANNABLE', 'nests compressed streams too deeply')]);
    const d = decompressed('zlib', src);
    if ('code' in d) return result('zlib', [d]);
    const inner = analyzeSource(name.replace(/\.z$/i, ''), bufferSource(d), opts, depth + 1);
    return { ...inner, format: 'zlib' };
  }
  if (head.length >= 3 && head[0] === 0x5d && head[1] === 0x00 && head[2] === 0x00) return result('lzma', [reason('COMPRESSION_UNSUPPORTED', 'UNSCANNABLE', 'is lzma-compressed (joblib), which is not analysed here')]);
  // Pickles are found by parsing, not by a header: protocols 0 and 1 have none.
  const pk = isPickleNamed(name) ? analyzePickleStream(src, opts) : looksPickled(src, opts);
  if (pk) {
    const legacy = pk.pickles >= 5 && scanPickle(src, { pickles: 1 }).firstInt === LEGACY_TORCH_MAGIC;
    return result(legacy ? 'torch-legacy' : 'pickle', [], [pk], true);
  }
  if (ext === '.onnx') {
    // An external-data location outside the model's folder makes the runtime read any file (path traversal on load).
    if (size > MAX_ONNX_CHECKED) return result('onnx', [reason('ONNX_TOO_LARGE', 'UNSCANNABLE', `is an ONNX model over ${MAX_ONNX_CHECKED} bytes; its external-data locations are not checked here`)]);
    try {
      onnxExternalData(src.read(0, size), name);
      return result('onnx');
    } catch (err) {
      if (!(err instanceof ModelsealError)) throw err;
      const bare = err.file && err.message.startsWith(`${err.file}: `) ? err.message.slice(err.file.length + 2) : err.message;
      return result('onnx', [reason(err.code === 'EXTERNAL_DATA_REFUSED' ? 'ONNX_EXTERNAL_DATA' : 'ONNX_INVALID', err.code === 'EXTERNAL_DATA_REFUSED' ? 'DANGEROUS' : 'UNSCANNABLE', bare)]);
    }
  }
  if (CODE_EXTENSIONS.includes(ext)) return result('code', [reason('CODE_FILE', 'UNSCANNABLE', 'is source or native code, which a loader may run (trust_remote_code, ctypes)')]);
  if (DATA_EXTENSIONS.includes(ext)) return result('data');
  if (isText(src)) {
    if (ext === '.json' && size <= MAX_JSON) {
      try {
        JSON.parse(src.read(0, size).toString('utf8'));
        return result('json');
      } catch {
        return result('text');
      }
    }
    return result('text');
  }
  return result('unknown', [reason('UNKNOWN_FORMAT', 'UNSCANNABLE', 'is not a format known to be safe to load (not safetensors, GGUF, JSON, text, numpy or an allowlisted pickle)')]);
}

/** analyzeSource over a read function (the shape the callers had before ByteSource). */
export function analyzeFile(name: string, readAt: (offset: number, length: number) => Buffer, size: number, opts: AnalyzeOptions = {}): FileAnalysis {
  return analyzeSource(name, { size, read: readAt }, opts);
}

export interface LoadDecision {
  /** Accept pickle-based files whose pickles are SAFE (the policy's allowPickle). */
  allowPickle: boolean;
  /** Accept files of a format that cannot be analysed (UNSCANNABLE), never DANGEROUS or UNSAFE_UNKNOWN ones. */
  allowUnscannable?: boolean;
}

const INVALID_CODES: ReadonlySet<string> = new Set(['ZIP_INVALID', 'SAFETENSORS_INVALID', 'NPY_INVALID', 'COMPRESSED_INVALID']);

function firstWords(items: string[]): string {
  return `${items.slice(0, 3).join('; ')}${items.length > 3 ? ` and ${items.length - 3} more` : ''}`;
}

/** Every non-SAFE reason of an analysis as one line each ("entry: message"). */
export function describeProblems(a: FileAnalysis, at: Verdict): string[] {
  const out: string[] = [];
  for (const p of a.pickles) for (const f of p.findings) if (verdictOf([f]) === at) out.push(`${p.entry ? `${p.entry}: ` : ''}${f.message} (${f.code} at offset ${f.offset})`);
  for (const r of a.reasons) if (r.verdict === at) out.push(`${r.entry ? `${r.entry}: ` : ''}${r.message} (${r.code})`);
  return out;
}

/** The load decision for one verified file: what `scan` would not pass is refused, unless the rule allows it. */
export function loadRefusal(file: string, a: FileAnalysis, d: LoadDecision): ModelsealError | null {
  if (a.verdict === 'DANGEROUS') {
    const details = describeProblems(a, 'DANGEROUS');
    // An ONNX model pointing its runtime at a file outside its folder is refused as such, not as code.
    const traversal = a.pickles.length === 0 && a.reasons.every((r) => r.verdict !== 'DANGEROUS' || r.code === 'ONNX_EXTERNAL_DATA');
    if (traversal) return new ModelsealError('EXTERNAL_DATA_REFUSED', firstWords(details), { file, details });
    return new ModelsealError('DANGEROUS_IMPORT', `can run code when loaded: ${firstWords(details)}`, { file, details });
  }
  if (a.verdict === 'UNSAFE_UNKNOWN') {
    const details = describeProblems(a, 'UNSAFE_UNKNOWN');
    return new ModelsealError('UNKNOWN_IMPORT', `imports or calls what the allowlist does not hold: ${firstWords(details)}; widen it by exact name (--allow-global) only if you trust it`, { file, details });
  }
  if (a.verdict === 'UNSCANNABLE' && !d.allowUnscannable) {
    const details = describeProblems(a, 'UNSCANNABLE');
    const invalid = a.reasons.some((r) => INVALID_CODES.has(r.code)) || a.pickles.some((p) => p.findings.some((f) => f.code === 'MALFORMED'));
    return new ModelsealError(invalid ? 'FORMAT_INVALID' : 'UNSCANNABLE', `cannot be shown safe to load (${a.format}): ${firstWords(details)}`, { file, details });
  }
  if (a.usesPickle && !d.allowPickle) {
    return new ModelsealError('PICKLE_REFUSED', `is a pickle-based file (${a.format}), which can run code when loaded; convert it to safetensors, or allow pickles for this artifact in the policy (allowPickle)`, { file });
  }
  return null;
}
