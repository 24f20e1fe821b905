/**
 * A static pickle opcode scanner (protocols 0-5). It never executes anything: it walks
 * the opcodes, simulates just enough of the stack and memo to resolve the module and
 * name of every import (GLOBAL, INST, STACK_GLOBAL), and flags the imports that can
 * run code. Unknown opcodes, truncation and stack underflow make the pickle invalid.
 */

export interface PickleImport {
  module: string;
  name: string;
  dangerous: boolean;
}

export interface PickleScan {
  /** Every distinct import, in first-seen order. */
  imports: PickleImport[];
  /** Reasons this pickle is dangerous (dangerous imports, unresolvable imports, extension codes). */
  dangers: string[];
  /** Highest PROTO seen (0 when absent). */
  protocol: number;
  /** Number of pickles scanned (a legacy torch file holds several in a row). */
  pickles: number;
  /** Offset just past the last STOP. */
  end: number;
}

export class PickleError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    /** True when the data ended before STOP: more bytes might complete it. */
    readonly truncated = false,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

/** Modules whose every global can run code, reach the network or the filesystem (prefix match). */
const DANGEROUS_MODULES = [
  'os', 'posix', 'nt', 'subprocess', 'sys', 'shutil', 'socket', 'runpy', 'importlib', 'pty', 'commands',
  'ctypes', 'multiprocessing', 'code', 'codeop', 'pdb', 'bdb', 'webbrowser', 'marshal', 'pickle', '_pickle',
  'cPickle', 'dill', 'asyncio', 'http', 'urllib', 'urllib2', 'requests', 'ftplib', 'smtplib', 'telnetlib',
  'tempfile', 'pathlib', 'glob', 'signal', 'threading', '_thread', 'platform', 'zipimport', 'pkgutil', 'timeit',
  'types', 'inspect', 'gc', 'site', 'distutils', 'setuptools', 'pip', 'torch.hub', 'torch.jit', 'numpy.testing',
];

/** Single globals that can run code although their module is otherwise harmless. */
const DANGEROUS_NAMES: Record<string, readonly string[]> = {
  builtins: ['eval', 'exec', 'compile', '__import__', 'getattr', 'setattr', 'delattr', 'open', 'globals', 'locals', 'vars', 'breakpoint', 'input', 'exit', 'quit', '__build_class__', '__loader__', '__spec__'],
  __builtin__: ['eval', 'exec', 'execfile', 'compile', '__import__', 'getattr', 'setattr', 'delattr', 'open', 'file', 'globals', 'locals', 'vars', 'input', 'raw_input', 'apply', 'reload', 'exit', 'quit'],
  operator: ['attrgetter', 'methodcaller', 'getitem', 'call'],
  functools: ['partial', 'reduce'],
  copyreg: ['_reconstructor', '__newobj__', '__newobj_ex__'],
  copy_reg: ['_reconstructor'],
  'numpy.lib.npyio': ['load'],
  numpy: ['load', 'fromfile'],
  torch: ['load', 'hub'],
  'torch.serialization': ['load'],
};

/** Whether importing `module.name` lets a pickle run code (or reach files or the network). */
export function isDangerousGlobal(module: string, name: string): boolean {
  if (DANGEROUS_MODULES.some((m) => module === m || module.startsWith(m + '.'))) return true;
  if (DANGEROUS_NAMES[module]?.includes(name)) return true;
  // A dotted name such as "system" reached through "os.path" style attribute paths.
  const head = name.split('.')[0];
  return name.includes('.') && (DANGEROUS_NAMES[module]?.includes(head) ?? false);
}

type Value = { k: 'str'; v: string } | { k: 'global'; module: string; name: string } | { k: 'other' };
const MARK = Symbol('mark');
type Slot = Value | typeof MARK;
const OTHER: Value = { k: 'other' };

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
  }
  need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new PickleError('pickle data ends early', this.pos, true);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError('length too large', this.pos - 8);
    return Number(v);
  }
  line(): string {
    const nl = this.buf.indexOf(0x0a, this.pos);
    if (nl < 0) throw new PickleError('pickle data ends early (no newline)', this.pos, true);
    const s = this.buf.toString('latin1', this.pos, nl);
    this.pos = nl + 1;
    return s;
  }
}

/** Decodes a protocol-0 STRING argument: a quoted Python literal; escapes are rare in module names. */
function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === "'" || t[0] === '"') && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

interface ScanState {
  imports: Map<string, PickleImport>;
  dangers: string[];
  protocol: number;
}

function recordImport(st: ScanState, module: string, name: string): Value {
  const key = `${module}\n${name}`;
  if (!st.imports.has(key)) {
    const dangerous = isDangerousGlobal(module, name);
    st.imports.set(key, { module, name, dangerous });
    if (dangerous) st.dangers.push(`imports ${module}.${name}`);
  }
  return { k: 'global', module, name };
}

/** Scans one pickle starting at `start`; returns the offset after its STOP. */
function scanOne(buf: Buffer, start: number, st: ScanState): number {
  const r = new Reader(buf, start);
  const stack: Slot[] = [];
  const memo = new Map<number, Value>();
  const at = () => r.pos;
  const pop = (): Value => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new PickleError('stack underflow', at());
    return v;
  };
  const popMark = (): Value[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw new PickleError('no MARK on the stack', at());
    return stack.splice(i).slice(1) as Value[];
  };
  const top = (): Value => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new PickleError('stack underflow', at());
    return v;
  };
  const push = (v: Value) => stack.push(v);
  const str = (s: string): Value => ({ k: 'str', v: s });

  for (;;) {
    const opAt = r.pos;
    const op = r.u8();
    switch (op) {
      case 0x80: // PROTO
        st.protocol = Math.max(st.protocol, r.u8());
        if (st.protocol > 5) throw new PickleError(`unsupported pickle protocol ${st.protocol}`, opAt);
        break;
      case 0x95: // FRAME
        r.u64();
        break;
      case 0x2e: // STOP
        pop();
        return r.pos;
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        if (stack[stack.length - 1] === MARK) stack.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x46: // FLOAT
      case 0x49: // INT
      case 0x4c: // LONG
        r.line();
        push(OTHER);
        break;
      case 0x4a: // BININT
        r.bytes(4);
        push(OTHER);
        break;
      case 0x4b: // BININT1
        r.bytes(1);
        push(OTHER);
        break;
      case 0x4d: // BININT2
        r.bytes(2);
        push(OTHER);
        break;
      case 0x47: // BINFLOAT
        r.bytes(8);
        push(OTHER);
        break;
      case 0x8a: // LONG1
        r.bytes(r.u8());
        push(OTHER);
        break;
      case 0x8b: // LONG4
        r.bytes(r.u32());
        push(OTHER);
        break;
      case 0x4e: // NONE
      case 0x88: // NEWTRUE
      case 0x89: // NEWFALSE
      case 0x29: // EMPTY_TUPLE
      case 0x5d: // EMPTY_LIST
      case 0x7d: // EMPTY_DICT
      case 0x8f: // EMPTY_SET
      case 0x97: // NEXT_BUFFER
        push(OTHER);
        break;
      case 0x98: // READONLY_BUFFER
        top();
        break;
      case 0x53: // STRING
        push(str(unquote(r.line())));
        break;
      case 0x54: // BINSTRING
        push(str(r.bytes(r.u32()).toString('latin1')));
        break;
      case 0x55: // SHORT_BINSTRING
        push(str(r.bytes(r.u8()).toString('latin1')));
        break;
      case 0x56: // UNICODE (raw-unicode-escape; module names are ASCII)
        push(str(r.line()));
        break;
      case 0x58: // BINUNICODE
        push(str(r.bytes(r.u32()).toString('utf8')));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(str(r.bytes(r.u8()).toString('utf8')));
        break;
      case 0x8d: // BINUNICODE8
        push(str(r.bytes(r.u64()).toString('utf8')));
        break;
      case 0x42: // BINBYTES
        r.bytes(r.u32());
        push(OTHER);
        break;
      case 0x43: // SHORT_BINBYTES
        r.bytes(r.u8());
        push(OTHER);
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        r.bytes(r.u64());
        push(OTHER);
        break;
      case 0x50: // PERSID
        r.line();
        push(OTHER);
        break;
      case 0x51: // BINPERSID
        pop();
        push(OTHER);
        break;
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const module = r.line();
        const name = r.line();
        push(recordImport(st, module, name));
        break;
      }
      case 0x69: {
        // INST: "module\nname\n", then instantiates with the marked arguments
        const module = r.line();
        const name = r.line();
        recordImport(st, module, name);
        popMark();
        push(OTHER);
        break;
      }
      case 0x93: {
        // STACK_GLOBAL: module and name are the two strings on top of the stack
        const name = pop();
        const module = pop();
        if (module.k === 'str' && name.k === 'str') push(recordImport(st, module.v, name.v));
        else {
          st.dangers.push(`STACK_GLOBAL at offset ${opAt} imports a name that is not a constant string`);
          push(OTHER);
        }
        break;
      }
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: {
        // EXT4: an import through the copyreg extension registry, unresolvable statically
        const code = op === 0x82 ? r.u8() : op === 0x83 ? r.u16() : r.u32();
        st.dangers.push(`imports extension code ${code} (copyreg registry), which cannot be resolved statically`);
        push(OTHER);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
      case 0x64: // DICT
      case 0x91: // FROZENSET
        popMark();
        push(OTHER);
        break;
      case 0x6f: // OBJ: class and arguments after MARK
        if (popMark().length === 0) throw new PickleError('OBJ without a class', opAt);
        push(OTHER);
        break;
      case 0x85: // TUPLE1
        pop();
        push(OTHER);
        break;
      case 0x86: // TUPLE2
        pop();
        pop();
        push(OTHER);
        break;
      case 0x87: // TUPLE3
        pop();
        pop();
        pop();
        push(OTHER);
        break;
      case 0x61: // APPEND
        pop();
        top();
        break;
      case 0x65: // APPENDS
      case 0x75: // SETITEMS
      case 0x90: // ADDITEMS
        popMark();
        top();
        break;
      case 0x73: // SETITEM
        pop();
        pop();
        top();
        break;
      case 0x62: // BUILD
        pop();
        top();
        break;
      case 0x52: // REDUCE
      case 0x81: // NEWOBJ
        pop();
        pop();
        push(OTHER);
        break;
      case 0x92: // NEWOBJ_EX
        pop();
        pop();
        pop();
        push(OTHER);
        break;
      case 0x70: // PUT
        memo.set(Number(r.line()), top());
        break;
      case 0x71: // BINPUT
        memo.set(r.u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(r.u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const idx = op === 0x67 ? Number(r.line()) : op === 0x68 ? r.u8() : r.u32();
        const v = memo.get(idx);
        if (v === undefined) throw new PickleError(`memo entry ${idx} is read before it is written`, opAt);
        push(v);
        break;
      }
      default:
        throw new PickleError(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')}`, opAt);
    }
  }
}

/** Whether the bytes start like a protocol 2-5 pickle (PROTO opcode). */
export function looksLikePickle(buf: Buffer): boolean {
  return buf.length >= 2 && buf[0] === 0x80 && buf[1] >= 2 && buf[1] <= 5;
}

/**
 * Scans the pickle at the start of `buf`, then any further pickles that directly follow
 * it (legacy torch.save files hold five in a row before the raw tensor data).
 * Throws PickleError when the first pickle is malformed or truncated.
 */
export function scanPickle(buf: Buffer): PickleScan {
  const st: ScanState = { imports: new Map(), dangers: [], protocol: 0 };
  let end = scanOne(buf, 0, st);
  let pickles = 1;
  while (looksLikePickle(buf.subarray(end, end + 2))) {
    const saved = { imports: new Map(st.imports), dangers: [...st.dangers], protocol: st.protocol };
    try {
      end = scanOne(buf, end, st);
      pickles++;
    } catch {
      // Not a pickle after all (raw tensor bytes that happen to start with 0x80): stop here.
      Object.assign(st, saved);
      break;
    }
  }
  return { imports: [...st.imports.values()], dangers: st.dangers, protocol: st.protocol, pickles, end };
}
