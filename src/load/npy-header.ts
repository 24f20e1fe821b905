/**
 * The header of a .npy file: magic, version, a Python dict literal with exactly the keys
 * descr, fortran_order and shape (numpy reads it with ast.literal_eval). Only whether the
 * dtype holds Python objects matters here: numpy stores such arrays as a pickle after the
 * header (np.load(allow_pickle=True) unpickles it).
 */
export class NpyError extends Error {}

export interface NpyHeader {
  /** Offset of the array data (or of the pickle, for object arrays). */
  dataOffset: number;
  hasObject: boolean;
}

export const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
/** numpy refuses headers over 10000 bytes unless told otherwise; allow some more, never unbounded. */
export const MAX_NPY_HEADER = 1 << 20;

type Lit = string | number | boolean | null | Lit[] | { [k: string]: Lit };

function parseLiteral(t: string): Lit {
  let i = 0;
  const ws = () => {
    while (i < t.length && /\s/.test(t[i])) i++;
  };
  const fail = (m: string): never => {
    throw new NpyError(`header is not a plain literal (${m} at ${i})`);
  };
  const value = (): Lit => {
    ws();
    const c = t[i];
    if (c === "'" || c === '"') {
      const end = t.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      const s = t.slice(i + 1, end);
      if (s.includes('\\') || s.includes('\n')) fail('escaped string');
      i = end + 1;
      return s;
    }
    if (c === '{') {
      i++;
      const o: Record<string, Lit> = {};
      for (;;) {
        ws();
        if (t[i] === '}') { i++; return o; }
        const k = value();
        if (typeof k !== 'string') fail('non-string key');
        ws();
        if (t[i++] !== ':') fail('expected ":"');
        if (Object.prototype.hasOwnProperty.call(o, k as string)) fail('duplicate key');
        o[k as string] = value();
        ws();
        if (t[i] === ',') i++;
        else if (t[i] !== '}') fail('expected "," or "}"');
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const a: Lit[] = [];
      for (;;) {
        ws();
        if (t[i] === close) { i++; return a; }
        a.push(value());
        ws();
        if (t[i] === ',') i++;
        else if (t[i] !== close) fail(`expected "," or "${close}"`);
      }
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(t.slice(i, i + 40));
    if (!m) return fail('unexpected token');
    i += m[0].length;
    return m[0] === 'True' ? true : m[0] === 'False' ? false : m[0] === 'None' ? null : Number(m[0].replace('L', ''));
  };
  const v = value();
  ws();
  if (i !== t.length) fail('trailing text');
  return v;
}

/** Whether a dtype descr (a type string or a structured list) holds Python objects; throws when it is not understood. */
function descrHasObject(d: Lit): boolean {
  if (typeof d === 'string') {
    if (/^[<>|=]?O\d*$/.test(d)) return true;
    if (/^[<>|=]?[?bBhHiIlLqQpPefdgFDGSUVaumMcx]\d*(\[[a-zA-Z0-9,]+\])?$/.test(d) || /^[<>|=]?[biufcSUVmM]\d*(\[[a-zA-Z0-9,]+\])?$/.test(d)) return false;
    throw new NpyError(`dtype ${JSON.stringify(d.slice(0, 40))} is not understood`);
  }
  if (Array.isArray(d)) {
    return d.some((f) => {
      if (!Array.isArray(f) || f.length < 2 || f.length > 3) throw new NpyError('structured dtype field is malformed');
      return descrHasObject(f[1]);
    });
  }
  throw new NpyError('dtype descr is malformed');
}

export function parseNpyHeader(head: Buffer, fileSize: number): NpyHeader {
  if (head.length < 10 || !head.subarray(0, 6).equals(NPY_MAGIC)) throw new NpyError('not a .npy file');
  const major = head[6];
  let len: number;
  let at: number;
  if (major === 1) {
    len = head.readUInt16LE(8);
    at = 10;
  } else if (major === 2 || major === 3) {
    if (head.length < 12) throw new NpyError('header is truncated');
    len = head.readUInt32LE(8);
    at = 12;
  } else throw new NpyError(`unknown .npy version ${major}`);
  if (len > MAX_NPY_HEADER) throw new NpyError(`header of ${len} bytes is over the limit`);
  if (at + len > fileSize) throw new NpyError('header runs past the end of the file');
  if (head.length < at + len) throw new NpyError('header is truncated');
  const raw = head.subarray(at, at + len);
  const text = major === 3 ? new TextDecoder('utf-8', { fatal: true }).decode(raw) : raw.toString('latin1');
  const lit = parseLiteral(text.replace(/[ \n]+$/, ''));
  if (typeof lit !== 'object' || lit === null || Array.isArray(lit)) throw new NpyError('header is not a dictionary');
  const keys = Object.keys(lit).sort().join(',');
  if (keys !== 'descr,fortran_order,shape') throw new NpyError(`header keys are ${JSON.stringify(keys)}`);
  return { dataOffset: at + len, hasObject: descrHasObject((lit as Record<string, Lit>).descr) };
}

/** Bytes to read to parse the header (magic, version, length, then the header). */
export function npyHeaderEnd(head: Buffer): number {
  if (head.length < 12) return 12;
  return head[6] === 1 ? 10 + head.readUInt16LE(8) : 12 + Math.min(head.readUInt32LE(8), MAX_NPY_HEADER);
}
