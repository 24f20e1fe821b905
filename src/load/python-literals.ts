/**
 * CPython's decoders for the text arguments of protocol-0 pickle opcodes, written out
 * exactly (a scanner that decodes `S'\x6fs'` differently from CPython can be talked
 * past): codecs.escape_decode (STRING), raw_unicode_escape (UNICODE) and int() of a
 * byte string (INT, LONG, PUT, GET). Each throws LiteralError where CPython raises.
 */
export class LiteralError extends Error {}

const isOct = (c: number) => c >= 0x30 && c <= 0x37;
const hexVal = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1);

/** codecs.escape_decode (Objects/bytesobject.c _PyBytes_DecodeEscape). */
export function escapeDecode(s: Buffer): Buffer {
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i++];
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    if (i >= s.length) throw new LiteralError('Trailing \\ in string');
    const e = s[i++];
    switch (e) {
      case 0x0a: break; // backslash-newline: nothing
      case 0x5c: out.push(0x5c); break;
      case 0x27: out.push(0x27); break;
      case 0x22: out.push(0x22); break;
      case 0x62: out.push(0x08); break; // \b
      case 0x66: out.push(0x0c); break; // \f
      case 0x74: out.push(0x09); break; // \t
      case 0x6e: out.push(0x0a); break; // \n
      case 0x72: out.push(0x0d); break; // \r
      case 0x76: out.push(0x0b); break; // \v
      case 0x61: out.push(0x07); break; // \a
      case 0x78: { // \xhh: exactly two hex digits or ValueError
        const h1 = i < s.length ? hexVal(s[i]) : -1;
        const h2 = i + 1 < s.length ? hexVal(s[i + 1]) : -1;
        if (h1 < 0 || h2 < 0) throw new LiteralError('invalid \\x escape');
        out.push(h1 * 16 + h2);
        i += 2;
        break;
      }
      default:
        if (isOct(e)) {
          let v = e - 0x30;
          if (i < s.length && isOct(s[i])) {
            v = v * 8 + (s[i++] - 0x30);
            if (i < s.length && isOct(s[i])) v = v * 8 + (s[i++] - 0x30);
          }
          out.push(v & 0xff); // values over 0o377 are truncated to a byte (a warning, not an error)
        } else {
          out.push(0x5c, e); // unknown escapes are kept as written
        }
    }
  }
  return Buffer.from(out);
}

/** The raw_unicode_escape codec (Objects/unicodeobject.c): \uXXXX / \UXXXXXXXX after an odd run of backslashes; other bytes are Latin-1. */
export function rawUnicodeEscapeDecode(s: Buffer): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (s[i] !== 0x5c) {
      out += String.fromCharCode(s[i++]);
      continue;
    }
    const runStart = i;
    while (i < s.length && s[i] === 0x5c) i++;
    const run = i - runStart;
    if (run % 2 === 0 || i >= s.length || (s[i] !== 0x75 && s[i] !== 0x55)) {
      out += '\\'.repeat(run);
      continue;
    }
    out += '\\'.repeat(run - 1);
    const count = s[i] === 0x75 ? 4 : 8;
    i++;
    let v = 0;
    for (let k = 0; k < count; k++) {
      const h = i < s.length ? hexVal(s[i]) : -1;
      if (h < 0) throw new LiteralError(count === 4 ? 'truncated \\uXXXX escape' : 'truncated \\UXXXXXXXX escape');
      v = v * 16 + h;
      i++;
    }
    if (v > 0x10ffff) throw new LiteralError('\\Uxxxxxxxx out of range');
    out += String.fromCodePoint(v);
  }
  return out;
}

const ASCII_SPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);

/** int(b'...') in base 10: surrounding ASCII whitespace, a sign, digits with single underscores between them. */
export function pyInt(s: Buffer): bigint {
  let a = 0;
  let b = s.length;
  while (a < b && ASCII_SPACE.has(s[a])) a++;
  while (b > a && ASCII_SPACE.has(s[b - 1])) b--;
  let t = s.toString('latin1', a, b);
  let neg = false;
  if (t.startsWith('+') || t.startsWith('-')) {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  if (!/^[0-9]+(_[0-9]+)*$/.test(t)) throw new LiteralError(`invalid literal for int(): ${JSON.stringify(s.toString('latin1').slice(0, 40))}`);
  if (t.length > 4300) throw new LiteralError('integer string too long');
  const v = BigInt(t.replace(/_/g, ''));
  return neg ? -v : v;
}

/**
 * The INT and LONG opcodes' argument: int(data, 0) in pickle.py, strtol(base 0) then
 * PyLong_FromString in _pickle.c. The two disagree on "010"; the value only sizes
 * joblib arrays, so anything either accepts is an int here and the value is the
 * base-0 reading (or null when it is not a plain decimal).
 */
export function pyIntBase0(s: Buffer, dropL = false): bigint | null {
  let t = s.toString('latin1').trim();
  if (dropL && t.endsWith('L')) t = t.slice(0, -1);
  if (/^[+-]?[0-9]+(_[0-9]+)*$/.test(t) && t.length <= 4300) return BigInt(t.replace(/_/g, ''));
  if (/^[+-]?0([xX](_?[0-9a-fA-F])+|[oO](_?[0-7])+|[bB](_?[01])+)$/.test(t)) return null;
  throw new LiteralError(`invalid literal for int() with base 0: ${JSON.stringify(t.slice(0, 40))}`);
}

/** Strict UTF-8 (with surrogates refused; a string holding them is never an allowlisted name anyway). */
export function utf8Strict(b: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
  } catch {
    return null;
  }
}
