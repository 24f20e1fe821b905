/**
 * A static allowlist analyser for pickles (protocols 0-5, detected by parsing). It never
 * executes anything: it walks the opcodes exactly as CPython's unpickler reads them,
 * simulates the stack and memo (values that matter, such as strings, ints, tuples and
 * the globals themselves, are tracked through MEMOIZE/PUT/GET), and judges every
 * import (GLOBAL, INST, STACK_GLOBAL) and every call (REDUCE, NEWOBJ, NEWOBJ_EX, OBJ,
 * INST) and BUILD against the allowlist in pickle-allowlist.ts.
 *
 * Written here rather than taken from a library: no maintained JavaScript pickle
 * parser decodes protocol-0 literals the way CPython does or reads through a file
 * without loading it, and an analyser that parses differently from CPython can be
 * talked past (the reason picklescan and fickling keep fixing evasions).
 *
 * Code runs while a pickle is being read, before STOP, so a pickle that breaks off
 * (malformed or truncated) is judged on everything read up to the break.
 */
import { ByteSource, WindowReader } from './byte-source';
import { DEFAULT_ALLOWED_GLOBALS, BUILDABLE, fixImports, globalId, isDangerousGlobal } from './pickle-allowlist';
import { escapeDecode, LiteralError, pyInt, pyIntBase0, rawUnicodeEscapeDecode, utf8Strict } from './python-literals';

export type Verdict = 'SAFE' | 'DANGEROUS' | 'UNSAFE_UNKNOWN' | 'UNSCANNABLE';

/** Stable codes of the findings (they appear in `scan --json` and in refusals). */
export type FindingCode =
  | 'DANGEROUS_GLOBAL' // imports a global known to run code
  | 'UNKNOWN_GLOBAL' // imports a global that is not on the allowlist
  | 'UNRESOLVED_GLOBAL' // STACK_GLOBAL operands that are not constant strings
  | 'EXTENSION_CODE' // EXT1/2/4: an import through the copyreg registry
  | 'UNSAFE_CALL' // REDUCE/NEWOBJ/OBJ on something that is not an allowlisted global
  | 'UNSAFE_BUILD' // BUILD on something that is not an instance of an allowlisted type
  | 'MALFORMED' // not a pickle CPython would read to its STOP
  | 'TOO_COMPLEX' // over the analyser's bounds (stack, memo, opcodes)
  | 'JOBLIB_AMBIGUOUS'; // joblib inline array data that pickle.load would read as opcodes

export interface Finding {
  code: FindingCode;
  message: string;
  /** Offset of the opcode in the scanned stream. */
  offset: number;
}

export interface PickleGlobal {
  module: string;
  name: string;
  status: 'allowed' | 'dangerous' | 'unknown';
}

export interface PickleScan {
  verdict: Verdict;
  /** Every distinct global, in first-seen order. */
  globals: PickleGlobal[];
  findings: Finding[];
  /** Highest PROTO seen (0 when absent: protocol 0 or 1). */
  protocol: number;
  /** Pickles read in a row. */
  pickles: number;
  /** Offset just past the last STOP read. */
  end: number;
  /** The first pickle's value when it is an int (legacy torch files start with a magic number). */
  firstInt?: bigint;
  /** Whether joblib's array wrapper is among the globals. */
  joblibArrays: boolean;
}

export interface ScanOptions {
  /** Extra "module:name" (or "module.name") globals the deployer allows, compared exactly. */
  allowGlobals?: Iterable<string>;
  /**
   * How many pickles follow one another: 'all' reads pickles until the data ends
   * (a stream of pickles), a number stops after that many (legacy torch files hold 5,
   * then raw storage bytes that torch never unpickles).
   */
  pickles?: number | 'all';
  /** Read joblib's arrays inline after the BUILD of a NumpyArrayWrapper (joblib.load's reading). */
  joblib?: boolean;
  /**
   * Bytes after the first pickle that are no pickle at all (its very first opcode fails) are
   * not a finding: pickle.load never reads past the first STOP, and a loader that reads on
   * stops there with an error. A later pickle that breaks off further in is still a finding.
   */
  lenientTrailing?: boolean;
}

const MAX_STACK = 4_000_000;
const MAX_MEMO = 4_000_000;
const MAX_ITEMS = 64; // container items kept for inspection (shapes, dtype arguments, joblib state)
const MAX_NAME = 4096; // longer strings are never a module or attribute name we allow
const MAX_LINE = 1 << 20;

type V =
  | { k: 'str'; v: string | null } // null: not ASCII, or too long to be a name: never allowlisted
  | { k: 'bytes' }
  | { k: 'int'; v: bigint }
  | { k: 'bool'; v: boolean }
  | { k: 'none' }
  | { k: 'float' }
  | { k: 'tuple'; items: V[] | null }
  | { k: 'list'; items: V[] | null }
  | { k: 'dict'; pairs: Array<[V, V]> | null }
  | { k: 'set' }
  | { k: 'global'; id: string; allowed: boolean }
  | { k: 'obj'; by: string; args: V | null; state: V | null }
  | { k: 'other' };
const MARK = Symbol('mark');
type Slot = V | typeof MARK;
const OTHER: V = { k: 'other' };

export const PICKLE_OPCODES: ReadonlySet<number> = new Set([
  0x28, 0x29, 0x2e, 0x30, 0x31, 0x32, 0x42, 0x43, 0x46, 0x47, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x50, 0x51, 0x52, 0x53,
  0x54, 0x55, 0x56, 0x58, 0x5d, 0x61, 0x62, 0x63, 0x64, 0x65, 0x67, 0x68, 0x69, 0x6a, 0x6c, 0x6f, 0x70, 0x71, 0x72, 0x73,
  0x74, 0x75, 0x7d, ...Array.from({ length: 0x99 - 0x80 }, (_, i) => 0x80 + i),
]);

class Stop extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly code: FindingCode = 'MALFORMED',
  ) {
    super(reason);
  }
}

const short = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

class Analysis {
  readonly globals = new Map<string, PickleGlobal>();
  readonly findings: Finding[] = [];
  protocol = 0;
  opcodes = 0;
  constructor(readonly allowed: ReadonlySet<string>) {}

  find(code: FindingCode, message: string, offset: number): void {
    if (this.findings.length < 200) this.findings.push({ code, message, offset });
  }

  importGlobal(module: string | null, name: string | null, offset: number, protocol: number): V {
    if (module === null || name === null) {
      this.find('UNKNOWN_GLOBAL', 'imports a global whose name is not an ASCII identifier path', offset);
      return { k: 'global', id: '?', allowed: false };
    }
    const [m, n] = fixImports(module, name, protocol);
    const id = globalId(m, n);
    const allowed = this.allowed.has(id);
    if (!this.globals.has(id)) {
      const status = allowed ? 'allowed' : isDangerousGlobal(m, n) || isDangerousGlobal(module, name) ? 'dangerous' : 'unknown';
      this.globals.set(id, { module: m, name: n, status });
      if (status === 'dangerous') this.find('DANGEROUS_GLOBAL', `imports ${m}.${n}, which can run code`, offset);
      if (status === 'unknown') this.find('UNKNOWN_GLOBAL', `imports ${short(`${m}.${n}`)}, which is not on the allowlist`, offset);
    }
    return { k: 'global', id, allowed };
  }

  verdict(): Verdict {
    return verdictOf(this.findings);
  }
}

const UNSAFE_CODES: ReadonlySet<FindingCode> = new Set(['UNKNOWN_GLOBAL', 'UNRESOLVED_GLOBAL', 'EXTENSION_CODE', 'UNSAFE_CALL', 'UNSAFE_BUILD']);

/** DANGEROUS beats UNSAFE_UNKNOWN beats UNSCANNABLE (malformed, too complex) beats SAFE. */
export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.code === 'DANGEROUS_GLOBAL')) return 'DANGEROUS';
  if (findings.some((f) => UNSAFE_CODES.has(f.code))) return 'UNSAFE_UNKNOWN';
  return findings.length > 0 ? 'UNSCANNABLE' : 'SAFE';
}

/** A name as Python would hold it, or null when it cannot be an allowlisted (ASCII) name. */
function nameOf(b: Buffer): string | null {
  if (b.length > MAX_NAME) return null;
  for (const c of b) if (c >= 0x80) return null;
  return b.toString('latin1');
}

interface ArrayPlan {
  /** Bytes of raw data joblib reads after the BUILD (padding included), or a nested pickle. */
  bytes: number;
  nestedPickle: boolean;
  /** Whether joblib reads a padding-length byte first. */
  aligned: boolean;
}

const DTYPE_SIZES: Record<string, number> = { b: 1, i: 0, u: 0, f: 0, c: 0, S: 0, U: 0, V: 0, M: 0, m: 0 };

/** The bytes joblib's NumpyArrayWrapper.read_array consumes, from the BUILD state (or a reason it cannot be told). */
function joblibArrayPlan(state: V): ArrayPlan | string {
  if (state.k !== 'dict' || state.pairs === null) return 'its state is not a plain dictionary';
  const get = (key: string) => state.pairs!.find(([k]) => k.k === 'str' && k.v === key)?.[1];
  const shape = get('shape');
  const dtype = get('dtype');
  const align = get('numpy_array_alignment_bytes');
  if (!shape || shape.k !== 'tuple' || shape.items === null || !shape.items.every((d) => d.k === 'int')) return 'its shape is not a tuple of ints';
  if (!dtype || dtype.k !== 'obj' || dtype.by !== 'numpy:dtype' || dtype.args?.k !== 'tuple' || dtype.args.items === null) return 'its dtype is not a numpy dtype';
  const spec = dtype.args.items[0];
  if (!spec || spec.k !== 'str' || spec.v === null) return 'its dtype is not named';
  const m = /^([a-zA-Z])(\d*)$/.exec(spec.v);
  if (!m) return `dtype ${short(spec.v)} is not understood`;
  const st = dtype.state;
  const stItems = st?.k === 'tuple' ? st.items : null;
  if (stItems && stItems.length >= 5 && stItems[3].k !== 'none') return 'structured dtypes are not analysed';
  let count = 1n;
  for (const d of shape.items) count = BigInt.asIntN(64, count * (d as { v: bigint }).v);
  if (m[1] === 'O') return { bytes: 0, nestedPickle: true, aligned: false };
  if (!(m[1] in DTYPE_SIZES)) return `dtype ${short(spec.v)} is not understood`;
  let itemsize = m[2] ? Number(m[2]) : DTYPE_SIZES[m[1]];
  const elsize = stItems && stItems.length >= 6 && stItems[5].k === 'int' ? Number(stItems[5].v) : -1;
  if (elsize > 0) itemsize = elsize;
  if (m[1] === 'U' && elsize <= 0) itemsize *= 4;
  if (itemsize <= 0) return `dtype ${short(spec.v)} has no item size`;
  if (count < 0n) return 'its shape has a negative element count';
  const total = count * BigInt(itemsize);
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) return 'its array is too large';
  const aligned = align !== undefined && align.k !== 'none';
  return { bytes: Number(total), nestedPickle: false, aligned };
}

/** Reads one pickle starting at `start`; returns the offset after its STOP. Throws Stop where CPython would fail. */
function readOne(r: WindowReader, start: number, an: Analysis, opts: ScanOptions, depth: number, out?: { value?: V }): number {
  const size = r.src.size;
  let pos = start;
  const stack: Slot[] = [];
  const memo = new Map<number, V>();
  let proto = 0;
  let frameEnd = -1;

  const need = (n: number) => {
    if (n < 0 || pos + n > size) throw new Stop('pickle data ends early (truncated)', pos);
  };
  const u8 = () => {
    need(1);
    return r.bytes(pos++, 1)[0];
  };
  const take = (n: number) => {
    need(n);
    const b = r.bytes(pos, n);
    pos += n;
    return b;
  };
  const skip = (n: number) => {
    need(n);
    pos += n;
  };
  const uint = (n: 1 | 2 | 4) => {
    const b = take(n);
    return n === 1 ? b[0] : n === 2 ? b.readUInt16LE(0) : b.readUInt32LE(0);
  };
  const u64 = () => {
    const v = take(8).readBigUInt64LE(0);
    if (v > BigInt(size)) throw new Stop('length runs past the end of the data', pos - 8);
    return Number(v);
  };
  /** A text line without its "\n" (CPython's readline; no newline at the end of data is truncation). */
  const line = () => {
    const max = Math.min(MAX_LINE, size - pos);
    const nl = r.indexOf(0x0a, pos, max);
    if (nl < 0) throw new Stop(max >= MAX_LINE ? 'text argument is too long' : 'pickle data ends early (no newline)', pos, max >= MAX_LINE ? 'TOO_COMPLEX' : 'MALFORMED');
    const b = r.bytes(pos, nl - pos);
    pos = nl + 1;
    return Buffer.from(b);
  };
  /** A string of `n` bytes: decoded only when it could be a name; longer ones are skipped unread. */
  const strOf = (n: number, decode: (b: Buffer) => string | null): V => {
    if (n > MAX_NAME) {
      skip(n);
      return { k: 'str', v: null };
    }
    return { k: 'str', v: decode(take(n)) };
  };
  const utf8Name = (b: Buffer) => {
    const s = utf8Strict(b);
    return s !== null && /^[\x00-\x7f]*$/.test(s) ? s : null;
  };

  const fence = () => stack.lastIndexOf(MARK);
  const pop = (opAt: number): V => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK) throw new Stop('unpickling stack underflow', opAt);
    return stack.pop() as V;
  };
  const top = (opAt: number): V => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK) throw new Stop('unpickling stack underflow', opAt);
    return stack[stack.length - 1] as V;
  };
  const popMark = (opAt: number): V[] => {
    const i = fence();
    if (i < 0) throw new Stop('could not find MARK', opAt);
    return stack.splice(i).slice(1) as V[];
  };
  const push = (v: V) => {
    if (stack.length >= MAX_STACK) throw new Stop('stack is over the analyser bound', pos, 'TOO_COMPLEX');
    stack.push(v);
  };
  const keep = (items: V[]) => (items.length <= MAX_ITEMS ? items : null);
  const memoPut = (idx: number, opAt: number) => {
    if (idx < 0) throw new Stop('negative PUT argument', opAt);
    if (!memo.has(idx) && memo.size >= MAX_MEMO) throw new Stop('memo is over the analyser bound', opAt, 'TOO_COMPLEX');
    memo.set(idx, top(opAt));
  };
  const memoGet = (idx: number | bigint, opAt: number) => {
    const v = typeof idx === 'number' ? memo.get(idx) : idx >= 0n && idx <= BigInt(Number.MAX_SAFE_INTEGER) ? memo.get(Number(idx)) : undefined;
    if (v === undefined) throw new Stop(`memo key ${idx} is read before it is written`, opAt);
    push(v);
  };
  /** The callable of REDUCE/NEWOBJ/OBJ: only an allowlisted global may be called. */
  const call = (callee: V, args: V | null, what: string, opAt: number): V => {
    if (callee.k === 'global') {
      // An import that is not allowed is already a finding; calling it adds nothing new.
      return { k: 'obj', by: callee.id, args, state: null };
    }
    an.find('UNSAFE_CALL', `${what} calls something that is not an allowlisted global (${callee.k})`, opAt);
    return OTHER;
  };

  for (;;) {
    const opAt = pos;
    if (frameEnd >= 0 && pos === frameEnd) frameEnd = -1;
    if (++an.opcodes > 50_000_000) throw new Stop('too many opcodes', opAt, 'TOO_COMPLEX');
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v > 5) throw new Stop(`unsupported pickle protocol: ${v}`, opAt);
        proto = v;
        an.protocol = Math.max(an.protocol, v);
        break;
      }
      case 0x95: { // FRAME: a read-ahead hint (_pickle.c lets opcodes cross frame ends, so this does too)
        frameEnd = -1;
        const n = u64();
        if (pos + n > size) throw new Stop('frame runs past the end of the data', opAt);
        frameEnd = n > 0 ? pos + n : -1;
        break;
      }
      case 0x2e: { // STOP
        const v = pop(opAt);
        if (out) out.value = v;
        return pos;
      }
      case 0x28: // MARK
        if (stack.length >= MAX_STACK) throw new Stop('stack is over the analyser bound', opAt, 'TOO_COMPLEX');
        stack.push(MARK);
        break;
      case 0x30: // POP: the top item, or the MARK frame when the frame is empty
        if (stack.length > 0 && stack[stack.length - 1] === MARK) stack.pop();
        else pop(opAt);
        break;
      case 0x31: // POP_MARK
        popMark(opAt);
        break;
      case 0x32: // DUP
        push(top(opAt));
        break;
      case 0x46: // FLOAT (its value never matters; an invalid one stops CPython, so reading on only reads more)
        line();
        push({ k: 'float' });
        break;
      case 0x49: { // INT ("00"/"01" are False/True in protocol 0)
        const b = line();
        const t = b.toString('latin1');
        if (t === '00' || t === '01') push({ k: 'bool', v: t === '01' });
        else push(intOrOther(lenientInt(b, false)));
        break;
      }
      case 0x4c: { // LONG
        const b = line();
        push(intOrOther(lenientInt(b, true)));
        break;
      }
      case 0x4a: // BININT
        push({ k: 'int', v: BigInt(take(4).readInt32LE(0)) });
        break;
      case 0x4b: // BININT1
        push({ k: 'int', v: BigInt(u8()) });
        break;
      case 0x4d: // BININT2
        push({ k: 'int', v: BigInt(uint(2)) });
        break;
      case 0x47: // BINFLOAT
        skip(8);
        push({ k: 'float' });
        break;
      case 0x8a: { // LONG1
        const n = u8();
        push({ k: 'int', v: decodeLong(take(n)) });
        break;
      }
      case 0x8b: { // LONG4
        const n = take(4).readInt32LE(0);
        if (n < 0) throw new Stop('LONG pickle has negative byte count', opAt);
        if (n > 64) {
          skip(n);
          push(OTHER);
        } else push({ k: 'int', v: decodeLong(take(n)) });
        break;
      }
      case 0x4e: push({ k: 'none' }); break; // NONE
      case 0x88: push({ k: 'bool', v: true }); break; // NEWTRUE
      case 0x89: push({ k: 'bool', v: false }); break; // NEWFALSE
      case 0x29: push({ k: 'tuple', items: [] }); break; // EMPTY_TUPLE
      case 0x5d: push({ k: 'list', items: [] }); break; // EMPTY_LIST
      case 0x7d: push({ k: 'dict', pairs: [] }); break; // EMPTY_DICT
      case 0x8f: push({ k: 'set' }); break; // EMPTY_SET
      case 0x97: push(OTHER); break; // NEXT_BUFFER (out-of-band buffers: the loader supplies them)
      case 0x98: top(opAt); break; // READONLY_BUFFER
      case 0x53: { // STRING: a quoted literal, escape-decoded exactly as codecs.escape_decode
        const b = line();
        if (!(b.length >= 2 && b[0] === b[b.length - 1] && (b[0] === 0x27 || b[0] === 0x22))) throw new Stop('the STRING opcode argument must be quoted', opAt);
        const raw = lit(() => escapeDecode(b.subarray(1, b.length - 1)), opAt);
        push({ k: 'str', v: nameOf(raw) });
        break;
      }
      case 0x54: { // BINSTRING
        const n = take(4).readInt32LE(0);
        if (n < 0) throw new Stop('BINSTRING pickle has negative byte count', opAt);
        push(strOf(n, nameOf));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        push(strOf(u8(), nameOf));
        break;
      case 0x56: { // UNICODE: raw-unicode-escape
        const b = line();
        const s = lit(() => rawUnicodeEscapeDecode(b), opAt);
        push({ k: 'str', v: s.length <= MAX_NAME && /^[\x00-\x7f]*$/.test(s) ? s : null });
        break;
      }
      case 0x58: // BINUNICODE
        push(strOf(uint(4), utf8Name));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(strOf(u8(), utf8Name));
        break;
      case 0x8d: // BINUNICODE8
        push(strOf(u64(), utf8Name));
        break;
      case 0x42: // BINBYTES
        skip(uint(4));
        push({ k: 'bytes' });
        break;
      case 0x43: // SHORT_BINBYTES
        skip(u8());
        push({ k: 'bytes' });
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        skip(u64());
        push({ k: 'bytes' });
        break;
      case 0x50: // PERSID: the loader's persistent_load resolves it (torch: storages)
        line();
        push(OTHER);
        break;
      case 0x51: // BINPERSID
        pop(opAt);
        push(OTHER);
        break;
      case 0x63: { // GLOBAL
        const module = line();
        const name = line();
        push(an.importGlobal(utf8Name(module), utf8Name(name), opAt, proto));
        break;
      }
      case 0x69: { // INST: import, then call it with the marked arguments
        const module = line();
        const name = line();
        const g = an.importGlobal(utf8Name(module), utf8Name(name), opAt, proto);
        const args = popMark(opAt);
        push(call(g, { k: 'tuple', items: keep(args) }, 'INST', opAt));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop(opAt);
        const module = pop(opAt);
        if (module.k !== 'str' || name.k !== 'str') {
          an.find('UNRESOLVED_GLOBAL', `STACK_GLOBAL imports a name that is not a constant string (${module.k}, ${name.k})`, opAt);
          push({ k: 'global', id: '?', allowed: false });
        } else {
          push(an.importGlobal(module.v, name.v, opAt, proto));
        }
        break;
      }
      case 0x82: case 0x83: case 0x84: { // EXT1/EXT2/EXT4
        const code = op === 0x82 ? u8() : op === 0x83 ? uint(2) : take(4).readInt32LE(0);
        an.find('EXTENSION_CODE', `imports extension code ${code} through the copyreg registry, which cannot be resolved statically`, opAt);
        push({ k: 'global', id: `ext:${code}`, allowed: false });
        break;
      }
      case 0x74: push({ k: 'tuple', items: keep(popMark(opAt)) }); break; // TUPLE
      case 0x6c: push({ k: 'list', items: keep(popMark(opAt)) }); break; // LIST
      case 0x64: { // DICT
        const items = popMark(opAt);
        const pairs: Array<[V, V]> = [];
        for (let i = 0; i + 1 < items.length; i += 2) pairs.push([items[i], items[i + 1]]);
        push({ k: 'dict', pairs: pairs.length <= MAX_ITEMS ? pairs : null });
        break;
      }
      case 0x91: popMark(opAt); push({ k: 'set' }); break; // FROZENSET
      case 0x85: push({ k: 'tuple', items: [pop(opAt)] }); break; // TUPLE1
      case 0x86: { const b = pop(opAt); const a = pop(opAt); push({ k: 'tuple', items: [a, b] }); break; } // TUPLE2
      case 0x87: { const c = pop(opAt); const b = pop(opAt); const a = pop(opAt); push({ k: 'tuple', items: [a, b, c] }); break; } // TUPLE3
      case 0x61: { // APPEND
        const v = pop(opAt);
        const t = top(opAt);
        containerOp(t, 'APPEND', opAt);
        if (t.k === 'list' && t.items) t.items = t.items.length < MAX_ITEMS ? [...t.items, v] : null;
        break;
      }
      case 0x65: case 0x90: { // APPENDS, ADDITEMS
        const items = popMark(opAt);
        const t = top(opAt);
        containerOp(t, op === 0x65 ? 'APPENDS' : 'ADDITEMS', opAt);
        if (t.k === 'list' && t.items) t.items = t.items.length + items.length <= MAX_ITEMS ? [...t.items, ...items] : null;
        break;
      }
      case 0x73: { // SETITEM
        const v = pop(opAt);
        const k = pop(opAt);
        const t = top(opAt);
        containerOp(t, 'SETITEM', opAt);
        if (t.k === 'dict' && t.pairs) t.pairs = t.pairs.length < MAX_ITEMS ? [...t.pairs, [k, v]] : null;
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark(opAt);
        const t = top(opAt);
        containerOp(t, 'SETITEMS', opAt);
        if (t.k === 'dict' && t.pairs) {
          const pairs: Array<[V, V]> = [...t.pairs];
          for (let i = 0; i + 1 < items.length; i += 2) pairs.push([items[i], items[i + 1]]);
          t.pairs = pairs.length <= MAX_ITEMS ? pairs : null;
        }
        break;
      }
      case 0x62: { // BUILD: __setstate__ or __dict__ update of the object below the state
        const state = pop(opAt);
        const t = top(opAt);
        if (t.k !== 'obj' || !BUILDABLE.has(t.by)) {
          an.find('UNSAFE_BUILD', `BUILD sets the state of ${t.k === 'obj' ? `an instance made by ${t.by}` : `a ${t.k}`}, which is not an allowlisted type`, opAt);
          break;
        }
        t.state = state;
        if (opts.joblib && t.by === 'joblib.numpy_pickle:NumpyArrayWrapper') {
          // joblib reads the array from the file after the current frame, which must end here.
          if (frameEnd >= 0 && pos !== frameEnd) throw new Stop('joblib array data inside a pickle frame', opAt);
          frameEnd = -1;
          pos = readJoblibArray(r, pos, state, an, opts, depth, opAt);
          stack[stack.length - 1] = { k: 'obj', by: 'numpy:ndarray', args: null, state: null };
        }
        break;
      }
      case 0x52: { // REDUCE
        const args = pop(opAt);
        const callee = pop(opAt);
        push(call(callee, args, 'REDUCE', opAt));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop(opAt);
        const cls = pop(opAt);
        push(call(cls, args, 'NEWOBJ', opAt));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        pop(opAt);
        const args = pop(opAt);
        const cls = pop(opAt);
        push(call(cls, args, 'NEWOBJ_EX', opAt));
        break;
      }
      case 0x6f: { // OBJ: the class is the first item after MARK
        const items = popMark(opAt);
        if (items.length === 0) throw new Stop('unpickling stack underflow', opAt);
        push(call(items[0], { k: 'tuple', items: keep(items.slice(1)) }, 'OBJ', opAt));
        break;
      }
      case 0x70: // PUT
        memoPut(Number(lit(() => pyInt(line()), opAt)), opAt);
        break;
      case 0x71: // BINPUT
        memoPut(u8(), opAt);
        break;
      case 0x72: // LONG_BINPUT (pickle.py accepts any 32-bit index; _pickle.c may run out of memory on large ones)
        memoPut(take(4).readUInt32LE(0), opAt);
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size, opAt);
        break;
      case 0x67: // GET
        memoGet(lit(() => pyInt(line()), opAt), opAt);
        break;
      case 0x68: // BINGET
        memoGet(u8(), opAt);
        break;
      case 0x6a: // LONG_BINGET
        memoGet(take(4).readUInt32LE(0), opAt);
        break;
      default:
        throw new Stop(`invalid load key 0x${op.toString(16).padStart(2, '0')}`, opAt);
    }
  }

  function containerOp(t: V, what: string, opAt: number): void {
    if (t.k === 'list' || t.k === 'dict' || t.k === 'set') return;
    if (t.k === 'obj' && BUILDABLE.has(t.by)) return;
    an.find('UNSAFE_CALL', `${what} on ${t.k === 'obj' ? `an instance made by ${t.by}` : `a ${t.k}`} calls its methods`, opAt);
  }
}

function lit<T>(f: () => T, opAt: number): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof LiteralError) throw new Stop(err.message, opAt);
    throw err;
  }
}

/** INT/LONG values only size joblib arrays: one CPython would refuse is just not an int here (reading on is the safe side). */
function lenientInt(b: Buffer, dropL: boolean): bigint | null {
  try {
    return pyIntBase0(b, dropL);
  } catch {
    return null;
  }
}

function intOrOther(v: bigint | null): V {
  return v === null ? OTHER : { k: 'int', v };
}

function decodeLong(b: Buffer): bigint {
  if (b.length === 0) return 0n;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v;
}

/** joblib.load reads an array right after the wrapper's BUILD: padding, then raw data, or a whole nested pickle. */
function readJoblibArray(r: WindowReader, pos: number, state: V, an: Analysis, opts: ScanOptions, depth: number, opAt: number): number {
  const plan = joblibArrayPlan(state);
  if (typeof plan === 'string') throw new Stop(`joblib array wrapper: ${plan}`, opAt);
  if (plan.nestedPickle) {
    // Object arrays: joblib calls pickle.load on the stream, a plain unpickler.
    if (depth > 8) throw new Stop('joblib object arrays nest too deeply', opAt, 'TOO_COMPLEX');
    return readOne(r, pos, an, { ...opts, joblib: false }, depth + 1);
  }
  let p = pos;
  if (plan.aligned) {
    if (p + 1 > r.src.size) throw new Stop('joblib array padding is truncated', p);
    p += 1 + r.bytes(p, 1)[0];
  } else if (plan.bytes > 0 && p < r.src.size && PICKLE_OPCODES.has(r.bytes(p, 1)[0])) {
    // Unaligned inline data that pickle.load would go on reading as opcodes.
    an.find('JOBLIB_AMBIGUOUS', 'joblib array data starts with a pickle opcode: pickle.load would read it as code', p);
  }
  if (p + plan.bytes > r.src.size) throw new Stop('joblib array data runs past the end of the data', p);
  return p + plan.bytes;
}

/**
 * Analyses the pickle(s) of `src` from `start`. Never throws for bad input: a pickle that
 * CPython would not read to its STOP is reported as a MALFORMED (or TOO_COMPLEX) finding,
 * after everything read before the break has been judged.
 */
export function scanPickle(src: ByteSource | Buffer, options: ScanOptions & { start?: number } = {}): PickleScan {
  const source: ByteSource = Buffer.isBuffer(src) ? { size: src.length, read: (o, n) => src.subarray(o, o + n) } : src;
  const allowed = new Set(DEFAULT_ALLOWED_GLOBALS);
  for (const g of options.allowGlobals ?? []) allowed.add(normalizeGlobalName(g));
  const an = new Analysis(allowed);
  const r = new WindowReader(source);
  const limit = options.pickles ?? 1;
  let pos = options.start ?? 0;
  let pickles = 0;
  let end = pos;
  let firstInt: bigint | undefined;
  while (limit === 'all' ? pos < source.size : pickles < limit) {
    const out: { value?: V } = {};
    const pickleStart = pos;
    try {
      pos = readOne(r, pos, an, options, 0, out);
      end = pos;
      if (pickles === 0 && out.value?.k === 'int') firstInt = out.value.v;
      pickles++;
    } catch (err) {
      if (!(err instanceof Stop)) throw err;
      if (!(pickles > 0 && options.lenientTrailing && err.code === 'MALFORMED' && err.offset === pickleStart)) {
        an.find(err.code, pickles === 0 ? err.reason : `pickle ${pickles + 1}: ${err.reason}`, err.offset);
      }
      break;
    }
  }
  return {
    verdict: an.verdict(),
    globals: [...an.globals.values()],
    findings: an.findings,
    protocol: an.protocol,
    pickles,
    end,
    ...(firstInt !== undefined ? { firstInt } : {}),
    joblibArrays: an.globals.has('joblib.numpy_pickle:NumpyArrayWrapper'),
  };
}

/** "module:name" from either "module:name" or a dotted "module.name" (the last dot splits). */
export function normalizeGlobalName(g: string): string {
  if (g.includes(':')) return g;
  const i = g.lastIndexOf('.');
  return i < 0 ? g : `${g.slice(0, i)}:${g.slice(i + 1)}`;
}

/** Whether a stream parses as at least one complete pickle (used to tell a pickle from other bytes). */
export function parsesAsPickle(src: ByteSource): boolean {
  const s = scanPickle(src, { pickles: 1 });
  return s.pickles === 1;
}

export { isDangerousGlobal } from './pickle-allowlist';
