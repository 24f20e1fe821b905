/**
 * Finds the external-data files an ONNX model makes a runtime open: every TensorProto
 * whose `external_data` names a `location`, in graph initializers, sparse initializers,
 * node attribute tensors, nested subgraphs (If/Loop/Scan bodies), training graphs and
 * function bodies, and refuses locations that leave the model's folder.
 *
 * Our own protobuf wire walker rather than a protobuf library and the ONNX schema: it
 * reads only the ~20 fields on the paths to a tensor, skips tensor bytes by length, and
 * must be stricter than a general decoder where that decides what a runtime opens —
 * it refuses groups, field number 0, truncated or overlong fields, wrong wire types on
 * the fields it follows and nesting past protobuf's own recursion limit, where a lenient
 * decoder would skip them. Singular message fields that repeat are merged by protobuf
 * (ONNX Runtime sees the union), so every occurrence is walked.
 */
import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { isSafeRelativePath } from '../statement/oms';

export interface ExternalDataReference {
  /** The tensor's name (informational). */
  tensor: string;
  /** The `location` exactly as written in the model. */
  location: string;
  /** The file it names, relative to the model file's folder, normalised. */
  path: string;
  /** Where the tensor's bytes start in that file (`offset`, default 0). */
  offset: number;
  /** How many bytes it reads (`length`); undefined: to the end of the file. */
  length?: number;
}

/** protobuf's default recursion limit (C++ and Java): a model nested deeper does not parse there either. */
const MAX_DEPTH = 100;

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/**
 * ONNX Runtime reads this location as "the offset is a memory address in this process"
 * (how it passes in-memory initializers internally); a model must never carry it.
 */
const ORT_MEMORY_LOCATION = '*/_ORT_MEM_ADDR_/*';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A name or location as shown in a message: escaped, and bounded whatever the input. */
export function shown(s: string): string {
  return JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}…` : s);
}

class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
    private readonly bad: (why: string) => ModelsealError,
  ) {}

  done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw this.bad('truncated varint');
      const b = this.buf[this.pos++];
      if (i === 9 && b > 1) throw this.bad('varint longer than 64 bits');
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw this.bad('varint longer than 10 bytes');
  }

  tag(): { field: number; wire: number } {
    const t = this.varint();
    const field = Math.floor(t / 8);
    const wire = t % 8;
    if (field === 0 || field > 0x1fffffff) throw this.bad(`invalid field number ${field}`);
    if (wire === 3 || wire === 4) throw this.bad('protobuf groups are not used by ONNX');
    if (wire !== VARINT && wire !== I64 && wire !== LEN && wire !== I32) throw this.bad(`invalid wire type ${wire}`);
    return { field, wire };
  }

  /** A length-delimited field's bounds, checked against the enclosing message. */
  span(): { start: number; end: number } {
    const n = this.varint();
    if (n > this.end - this.pos) throw this.bad('a field runs past the end of its message');
    const start = this.pos;
    this.pos += n;
    return { start, end: start + n };
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === LEN) this.span();
    else {
      const n = wire === I64 ? 8 : 4;
      if (n > this.end - this.pos) throw this.bad('truncated fixed-width field');
      this.pos += n;
    }
  }

  sub(s: { start: number; end: number }): Reader {
    return new Reader(this.buf, s.start, s.end, this.bad);
  }

  text(s: { start: number; end: number }, what: string): string {
    try {
      return utf8.decode(this.buf.subarray(s.start, s.end));
    } catch {
      throw this.bad(`${what} is not valid UTF-8`);
    }
  }
}

type Walk = (r: Reader, depth: number) => void;

interface Found {
  tensor: string;
  locations: string[];
  offset?: string;
  length?: string;
}

/** Calls `on` for each listed length-delimited field; refuses other wire types on them; skips the rest. */
function fields(r: Reader, depth: number, on: Record<number, Walk>, bad: (why: string) => ModelsealError): void {
  if (depth > MAX_DEPTH) throw bad(`nested deeper than ${MAX_DEPTH} messages`);
  while (!r.done()) {
    const { field, wire } = r.tag();
    const walk = on[field];
    if (!walk) {
      r.skip(wire);
      continue;
    }
    if (wire !== LEN) throw bad(`field ${field} has wire type ${wire}, not a message`);
    walk(r.sub(r.span()), depth + 1);
  }
}

function walker(found: Found[], bad: (why: string) => ModelsealError) {
  const entry = (r: Reader): { key?: string; value?: string } => {
    const out: { key?: string; value?: string } = {};
    while (!r.done()) {
      const { field, wire } = r.tag();
      if (field !== 1 && field !== 2) {
        r.skip(wire);
        continue;
      }
      if (wire !== LEN) throw bad('an external_data entry has a non-string key or value');
      const name = field === 1 ? 'key' : 'value';
      // protobuf keeps the last of a repeated scalar; no writer repeats one, so refuse the ambiguity.
      if (out[name] !== undefined) throw bad(`an external_data entry repeats its ${name}`);
      out[name] = r.text(r.span(), `an external_data ${name}`);
    }
    return out;
  };
  const tensor: Walk = (r, depth) => {
    if (depth > MAX_DEPTH) throw bad(`nested deeper than ${MAX_DEPTH} messages`);
    let name = '';
    const locations: string[] = [];
    const numbers: { offset?: string; length?: string } = {};
    while (!r.done()) {
      const { field, wire } = r.tag();
      if (field === 8 && wire === LEN) {
        name = r.text(r.span(), 'a tensor name');
      } else if (field === 13) {
        if (wire !== LEN) throw bad('a tensor\'s external_data is not a message');
        const e = entry(r.sub(r.span()));
        if (e.key === 'location') locations.push(e.value ?? '');
        else if (e.key === 'offset' || e.key === 'length') {
          if (numbers[e.key] !== undefined) throw bad(`tensor ${shown(name)} repeats its external_data ${e.key}`);
          numbers[e.key] = e.value ?? '';
        }
      } else {
        r.skip(wire);
      }
    }
    if (locations.length > 1) throw bad(`tensor ${shown(name)} names ${locations.length} external_data locations`);
    if (locations.length === 1) found.push({ tensor: name, locations, ...numbers });
  };
  const sparse: Walk = (r, d) => fields(r, d, { 1: tensor, 2: tensor }, bad);
  // Functions are declared first so the mutual recursion reads top-down.
  const attribute: Walk = (r, d) => fields(r, d, { 5: tensor, 6: graph, 10: tensor, 11: graph, 22: sparse, 23: sparse }, bad);
  const node: Walk = (r, d) => fields(r, d, { 5: attribute }, bad);
  function graph(r: Reader, d: number): void {
    fields(r, d, { 1: node, 5: tensor, 15: sparse }, bad);
  }
  const training: Walk = (r, d) => fields(r, d, { 1: graph, 2: graph }, bad);
  const fn: Walk = (r, d) => fields(r, d, { 7: node, 11: attribute }, bad);
  const model: Walk = (r, d) => fields(r, d, { 7: graph, 20: training, 25: fn }, bad);
  return model;
}

/**
 * Why a location is refused, or undefined if it names a file inside the model's folder.
 * Stricter than "stays inside the artifact": a location may not climb at all.
 */
function locationProblem(location: string): string | undefined {
  if (location === '') return 'is empty';
  if (location === ORT_MEMORY_LOCATION) return 'is ONNX Runtime\'s in-memory address marker';
  if (location.includes('\0')) return 'holds a NUL byte';
  if (location.includes('\\')) return 'holds a backslash (a Windows path separator)';
  if (location.startsWith('/') || /^[A-Za-z]:/.test(location)) return 'is an absolute path';
  const normal = path.posix.normalize(location);
  if (!isSafeRelativePath(normal)) return 'leaves the model\'s folder';
  return undefined;
}

/**
 * Every external-data reference of an ONNX model (a serialized ModelProto), in the order
 * they appear. Throws FORMAT_INVALID if the bytes are not a well-formed ModelProto as far
 * as the walk goes, and EXTERNAL_DATA_REFUSED for a location that is absolute, climbs out
 * of the model's folder (`..` after normalisation), is empty, holds a backslash or NUL, or
 * is ONNX Runtime's in-memory marker. `file` names the model in messages.
 */
export function onnxExternalData(bytes: Uint8Array, file: string): ExternalDataReference[] {
  const bad = (why: string) => new ModelsealError('FORMAT_INVALID', `is not a well-formed ONNX model: ${why}`, { file });
  if (bytes.length >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset + 4, 4).toString('latin1') === 'ORTM') {
    throw new ModelsealError('FORMAT_INVALID', 'is an ONNX Runtime (.ort) format model; only ONNX protobuf models can be checked for external data', { file });
  }
  const found: Found[] = [];
  walker(found, bad)(new Reader(bytes, 0, bytes.length, bad), 0);
  // Plain decimal only: runtimes parse these with strtoull-like functions that also take signs, spaces and hex.
  const count = (tensor: string, what: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d{1,15}$/.test(v)) throw bad(`tensor ${shown(tensor)} has external_data ${what} ${shown(v)}, not a plain decimal number`);
    return Number(v);
  };
  return found.map(({ tensor, locations: [location], offset, length }) => {
    const problem = locationProblem(location);
    if (problem) {
      throw new ModelsealError('EXTERNAL_DATA_REFUSED', `tensor ${shown(tensor)} has external data at ${shown(location)}, which ${problem}`, { file });
    }
    const len = count(tensor, 'length', length);
    return { tensor, location, path: path.posix.normalize(location), offset: count(tensor, 'offset', offset) ?? 0, ...(len !== undefined ? { length: len } : {}) };
  });
}

export interface ExternalDataFile {
  /** The location as written in the model (what a runtime's in-memory mount must be named). */
  location: string;
  /** The file's path inside the artifact. */
  name: string;
  /** The tensors read from it, with their byte ranges. */
  tensors: Array<{ tensor: string; offset: number; length?: number }>;
}

/**
 * The files (paths inside the artifact, one entry per location) that the ONNX model
 * `modelName` (its path inside the artifact) makes a runtime read. Same refusals as onnxExternalData.
 */
export function externalDataFiles(modelName: string, bytes: Uint8Array, file: string = modelName): ExternalDataFile[] {
  const dir = path.posix.dirname(modelName);
  const seen = new Map<string, ExternalDataFile>();
  for (const ref of onnxExternalData(bytes, file)) {
    let f = seen.get(ref.location);
    if (!f) {
      f = { location: ref.location, name: dir === '.' ? ref.path : path.posix.join(dir, ref.path), tensors: [] };
      seen.set(ref.location, f);
    }
    f.tensors.push({ tensor: ref.tensor, offset: ref.offset, ...(ref.length !== undefined ? { length: ref.length } : {}) });
  }
  return [...seen.values()];
}

/** Refuses a tensor whose bytes would lie past the end of its (verified) external-data file. */
export function checkExternalDataRanges(ref: ExternalDataFile, size: number, file: string): void {
  for (const t of ref.tensors) {
    const end = t.offset + (t.length ?? 0);
    if (t.offset > size || end > size) {
      throw new ModelsealError('EXTERNAL_DATA_REFUSED', `tensor ${shown(t.tensor)} reads bytes ${t.offset}..${end} of ${shown(ref.location)}, which has ${size}`, { file });
    }
  }
}

/** Re-throws a refusal about an external-data file with the model and location named first, keeping its code and file. */
export function aboutExternalData(err: ModelsealError, location: string, model: string): ModelsealError {
  const e = new ModelsealError(err.code, `external data ${shown(location)} of ${shown(model)}: ${err.message}`, { details: err.details, cause: err });
  if (err.file !== undefined) Object.defineProperty(e, 'file', { value: err.file, enumerable: true });
  return e;
}
