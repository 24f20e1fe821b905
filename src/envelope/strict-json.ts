/**
 * Our own JSON reader, because JSON.parse accepts what different parsers read
 * differently: duplicate object keys (first-wins vs last-wins is a classic
 * signature-bypass differential), invalid UTF-8, a byte-order mark, and any nesting.
 * It reads the bytes of a Buffer directly, so that a large signed statement is never
 * held a second time as one JS string; and it can hand the elements of one array to a
 * callback instead of keeping them (the `items` option), so that a statement listing
 * millions of resources is never held as a tree either.
 */
import { isUtf8 } from 'node:buffer';
import { ModelsealError, type ErrorCode } from '../errors';
import { quoted } from '../names';

/**
 * Nesting allowed in a signature file or a signed statement. Real bundles and OMS
 * statements nest fewer than 10 levels, SLSA provenance a few more; anything deeper
 * is a depth bomb.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Values a document may hold outside the streamed list (`items`), and values per streamed
 * element. Bytes alone do not bound memory: 280 MB of `{},` is 90 million objects, several
 * GB of heap. Real bundles hold a few hundred values outside their payload (a long X.509
 * chain a few tens of thousands), a statement a few dozen outside its resources, an element
 * of the resource list three or four; the list itself is streamed and has its own limit.
 */
export const MAX_JSON_VALUES = 2_000_000;
export const MAX_ITEM_VALUES = 4096;
/** A double has 17 significant digits; a longer number is padding (and 540 MB of digits broke Number()). */
const MAX_NUMBER_CHARS = 4096;

export interface StrictJsonItems {
  /** Object keys from the document root to the array whose elements are streamed; [] is the root itself. */
  path: readonly string[];
  /** Called with each element of that array, in order; what it throws propagates unchanged. */
  onItem: (value: unknown, index: number) => void;
}

export interface StrictJsonOptions {
  file?: string;
  /** The code of the refusal (BUNDLE_INVALID for a signature file, STATEMENT_INVALID for a payload). */
  code: ErrorCode;
  /** What is being parsed, for the message ("the signature file", "the signed statement"). */
  what: string;
  maxDepth?: number;
  /**
   * Stream the elements of the array at `path` to `onItem`; in the result that array is
   * a StreamedItems. Elements are delivered while the document is read: a refusal later
   * in the document (a duplicate key, trailing data) still throws after some were delivered.
   */
  items?: StrictJsonItems;
  /** Maps a byte position in `input` to the offset reported (input that stands for a longer text). */
  offsetOf?: (position: number, input: Buffer) => number;
}

/** Stands in the parsed result for the array whose elements went to `items.onItem`. */
export class StreamedItems {
  constructor(readonly count: number) {}
}

class Fail extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * A strict RFC 8259 JSON reader for everything modelseal accepts from others (see the
 * top of this file). The parser's own recursion is bounded by `maxDepth`, so it cannot
 * overflow. Offsets in messages are byte offsets in the UTF-8 input.
 */
export function parseStrictJson(input: Buffer | string, options: StrictJsonOptions): unknown {
  let bytes: Buffer;
  if (typeof input === 'string') {
    bytes = utf8Bytes(input);
  } else {
    bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength); // a view: a plain Uint8Array from a JS caller works too
    if (!isUtf8(bytes)) throw new ModelsealError(options.code, `${options.what} is not valid UTF-8`, { file: options.file });
  }
  try {
    return new Reader(bytes, options.maxDepth ?? MAX_JSON_DEPTH, options.items, options.offsetOf).document();
  } catch (err) {
    if (!(err instanceof Fail)) throw err;
    throw new ModelsealError(options.code, `${options.what} is not acceptable JSON: ${err.reason}`, { file: options.file });
  }
}

const LONE_SURROGATE = /(\\*)([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/g;

/**
 * A string is read as its UTF-8 bytes. Buffer.from would turn a lone surrogate into
 * U+FFFD; a string given to JSON.parse keeps it as that code unit, and so did this
 * reader when it read strings. Written as a \u escape it still is that code unit in a
 * JSON string, and still an unexpected character outside one (only the offset in the
 * message differs). After an odd number of backslashes it is itself being escaped,
 * which is a bad escape either way, so it is left alone.
 */
function utf8Bytes(s: string): Buffer {
  if (!(s as string & { isWellFormed(): boolean }).isWellFormed()) {
    s = s.replace(LONE_SURROGATE, (all: string, slashes: string, unit: string) =>
      slashes.length % 2 === 1 ? all : `${slashes}\\u${unit.charCodeAt(0).toString(16)}`,
    );
  }
  return Buffer.from(s, 'utf8');
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

type FastSlice = Buffer & { utf8Slice(start: number, end: number): string };
// Buffer#utf8Slice is toString('utf8') without its argument handling, which costs as
// much as the decoding itself for millions of short strings.
const decode: (b: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as Partial<FastSlice>).utf8Slice === 'function'
    ? (b, start, end) => (b as FastSlice).utf8Slice(start, end)
    : (b, start, end) => b.toString('utf8', start, end);

const KEY_CACHE = 1024;
const KEY_CACHE_MAX = 32;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

class Reader {
  private pos = 0;
  private readonly end: number;
  // Keys repeat (a million resources have the same three), so short plain keys are
  // looked up by their bytes: the string is not decoded again and is already interned.
  private readonly cachedKey: (string | undefined)[] = new Array(KEY_CACHE);
  private readonly cachedAt = new Int32Array(KEY_CACHE);
  private readonly cachedLength = new Int32Array(KEY_CACHE);
  /** Values built outside the streamed list, and inside the element being streamed (-1: none is). */
  private kept = 0;
  private itemValues = -1;

  constructor(
    private readonly b: Buffer,
    private readonly maxDepth: number,
    private readonly items: StrictJsonItems | undefined,
    private readonly offsetOf?: (position: number, input: Buffer) => number,
  ) {
    this.end = b.length;
  }

  document(): unknown {
    const b = this.b;
    if (this.end >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) throw new Fail('starts with a byte-order mark');
    this.space();
    if (this.pos >= this.end) throw new Fail('it is empty');
    const value = this.value(0, this.items ? 0 : -1);
    this.space();
    if (this.pos !== this.end) throw this.unexpected('trailing data');
    return value;
  }

  private unexpected(what = 'unexpected character'): Fail {
    if (this.pos >= this.end) return new Fail('it ends too early (truncated?)');
    return new Fail(`${what} at offset ${this.offsetOf ? this.offsetOf(this.pos, this.b) : this.pos}`);
  }

  private space(): void {
    const b = this.b;
    let p = this.pos;
    while (p < this.end) {
      const c = b[p];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.pos = p;
  }

  /** `onPath`: how many keys of items.path lead here, or -1 when this value is off that path. */
  private value(depth: number, onPath: number): unknown {
    if (this.itemValues >= 0) {
      if (++this.itemValues > MAX_ITEM_VALUES) throw new Fail(`an element of the list holds more than ${MAX_ITEM_VALUES} values`);
    } else if (++this.kept > MAX_JSON_VALUES) throw new Fail(`it holds more than ${MAX_JSON_VALUES} values`);
    const c = this.pos < this.end ? this.b[this.pos] : -1;
    if (c === 0x7b || c === 0x5b) {
      if (depth >= this.maxDepth) throw new Fail(`nesting is deeper than ${this.maxDepth} levels`);
      if (c === 0x7b) return this.object(depth + 1, onPath);
      return onPath >= 0 && onPath === this.items!.path.length ? this.streamed(depth + 1) : this.array(depth + 1);
    }
    if (c === QUOTE) return this.string();
    if (c === 0x74) return this.literal(TRUE, true);
    if (c === 0x66) return this.literal(FALSE, false);
    if (c === 0x6e) return this.literal(NULL, null);
    return this.number();
  }

  private literal<T>(word: Buffer, value: T): T {
    const b = this.b;
    const p = this.pos;
    for (let i = 0; i < word.length; i++) if (p + i >= this.end || b[p + i] !== word[i]) throw this.unexpected();
    this.pos += word.length;
    return value;
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, the longest prefix that matches. */
  private number(): number {
    const b = this.b;
    const end = this.end;
    const start = this.pos;
    let p = start;
    if (p < end && b[p] === 0x2d) p++;
    if (p >= end || !isDigit(b[p])) throw this.unexpected();
    let simple = true;
    let n = 0;
    if (b[p] === 0x30) p++;
    else
      while (p < end && isDigit(b[p])) {
        n = n * 10 + (b[p] - 0x30);
        p++;
      }
    if (p + 1 < end && b[p] === 0x2e && isDigit(b[p + 1])) {
      simple = false;
      p += 2;
      while (p < end && isDigit(b[p])) p++;
    }
    if (p < end && (b[p] === 0x65 || b[p] === 0x45)) {
      let q = p + 1;
      if (q < end && (b[q] === 0x2b || b[q] === 0x2d)) q++;
      if (q < end && isDigit(b[q])) {
        simple = false;
        p = q + 1;
        while (p < end && isDigit(b[p])) p++;
      }
    }
    this.pos = p;
    if (p - start > MAX_NUMBER_CHARS) throw new Fail(`a number of more than ${MAX_NUMBER_CHARS} characters`);
    // Integers of up to 15 digits are exact as computed; anything else goes through Number().
    if (simple && p - start <= 15) return b[start] === 0x2d ? -n : n;
    const text = b.toString('latin1', start, p);
    const value = Number(text);
    if (!Number.isFinite(value)) throw new Fail(`number ${text.slice(0, 20)} is out of range`);
    return value;
  }

  private string(): string {
    const b = this.b;
    const end = this.end;
    let p = this.pos + 1; // opening quote
    // Most strings have no escape: one decode, nothing else allocated.
    while (p < end && b[p] !== QUOTE && b[p] !== BACKSLASH && b[p] >= 0x20) p++;
    if (p < end && b[p] === QUOTE) {
      const whole = decode(b, this.pos + 1, p);
      this.pos = p + 1;
      return whole;
    }
    p = this.pos + 1;
    let out = '';
    // Pieces between escapes are joined a thousand at a time: appended one by one, each
    // escape would leave a rope node of its own (18 bytes of heap per byte of `\n\n…`).
    const pieces: string[] = [];
    for (;;) {
      const run = p;
      let c = -1;
      while (p < end) {
        c = b[p];
        if (c === QUOTE || c === BACKSLASH || c < 0x20) break;
        p++;
      }
      if (p > run) pieces.push(decode(b, run, p));
      this.pos = p;
      if (p >= end) throw this.unexpected();
      if (c === QUOTE) {
        this.pos = p + 1;
        return pieces.length === 1 && out === '' ? pieces[0] : out + pieces.join('');
      }
      if (pieces.length >= 1024) {
        out += pieces.join('');
        pieces.length = 0;
      }
      if (c !== BACKSLASH) throw this.unexpected('control character in a string');
      const e = p + 1 < end ? b[p + 1] : -1;
      if (e === 0x75) {
        let unit = 0;
        for (let i = p + 2; i < p + 6; i++) {
          const h = i < end ? hexValue(b[i]) : -1;
          if (h < 0) throw this.unexpected('bad \\u escape');
          unit = unit * 16 + h;
        }
        pieces.push(String.fromCharCode(unit));
        p += 6;
      } else if (ESCAPES[e] !== undefined) {
        pieces.push(ESCAPES[e]);
        p += 2;
      } else {
        throw this.unexpected('bad escape');
      }
    }
  }

  private key(): string {
    const b = this.b;
    const start = this.pos + 1;
    const stop = Math.min(this.end, start + KEY_CACHE_MAX);
    let p = start;
    let hash = 0;
    for (; p < stop && b[p] !== QUOTE; p++) {
      const c = b[p];
      if (c === BACKSLASH || c < 0x20) return this.string();
      hash = (hash * 31 + c) | 0;
    }
    if (p >= stop) return this.string();
    const length = p - start;
    const slot = (hash ^ length) & (KEY_CACHE - 1);
    this.pos = p + 1;
    const hit = this.cachedKey[slot];
    if (hit !== undefined && this.cachedLength[slot] === length) {
      const at = this.cachedAt[slot];
      let i = 0;
      while (i < length && b[at + i] === b[start + i]) i++;
      if (i === length) return hit;
    }
    const key = decode(b, start, p);
    this.cachedKey[slot] = key;
    this.cachedAt[slot] = start;
    this.cachedLength[slot] = length;
    return key;
  }

  /** Calls `element` for each element of the array at pos; returns how many. */
  private elements(element: () => void): number {
    this.pos++;
    this.space();
    if (this.pos < this.end && this.b[this.pos] === 0x5d) {
      this.pos++;
      return 0;
    }
    for (let count = 1; ; count++) {
      this.space();
      element();
      this.space();
      const c = this.pos < this.end ? this.b[this.pos] : -1;
      if (c === 0x5d || c === 0x2c) this.pos++;
      if (c === 0x5d) return count;
      if (c !== 0x2c) throw this.unexpected();
    }
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.elements(() => out.push(this.value(depth, -1)));
    return out;
  }

  private streamed(depth: number): StreamedItems {
    const onItem = this.items!.onItem;
    let index = 0;
    return new StreamedItems(
      this.elements(() => {
        this.itemValues = 0;
        const item = this.value(depth, -1);
        this.itemValues = -1;
        onItem(item, index++);
      }),
    );
  }

  private object(depth: number, onPath: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const path = this.items?.path;
    this.pos++;
    this.space();
    if (this.pos < this.end && this.b[this.pos] === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.pos >= this.end || this.b[this.pos] !== QUOTE) throw this.unexpected('expected a key');
      const key = this.key();
      if (Object.prototype.hasOwnProperty.call(out, key)) throw new Fail(`duplicate key ${quoted(key, 80)}`);
      this.space();
      if (this.pos >= this.end || this.b[this.pos] !== 0x3a) throw this.unexpected('expected ":"');
      this.pos++;
      this.space();
      const next = onPath >= 0 && onPath < path!.length && key === path![onPath] ? onPath + 1 : -1;
      const value = this.value(depth, next);
      // defineProperty, not assignment: a "__proto__" key must stay data, as with JSON.parse.
      // Any other key of a fresh object is an own data property either way, and assignment is faster.
      if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      this.space();
      const c = this.pos < this.end ? this.b[this.pos] : -1;
      if (c === 0x7d || c === 0x2c) this.pos++;
      if (c === 0x7d) return out;
      if (c !== 0x2c) throw this.unexpected();
    }
  }
}
