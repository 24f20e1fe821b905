import { ModelsealError, type ErrorCode } from '../errors';
import { quoted } from '../names';

/**
 * Nesting allowed in a signature file or a signed statement. Real bundles and OMS
 * statements nest fewer than 10 levels, SLSA provenance a few more; anything deeper
 * is a depth bomb.
 */
export const MAX_JSON_DEPTH = 64;

export interface StrictJsonOptions {
  file?: string;
  /** The code of the refusal (BUNDLE_INVALID for a signature file, STATEMENT_INVALID for a payload). */
  code: ErrorCode;
  /** What is being parsed, for the message ("the signature file", "the signed statement"). */
  what: string;
  maxDepth?: number;
  /** Maps a position in `input` to the offset reported (input that stands for a longer text). */
  offsetOf?: (position: number, text: string) => number;
}

class Fail extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const PLAIN = /[^"\\\u0000-\u001f]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * A strict RFC 8259 JSON reader for everything modelseal accepts from others.
 * Unlike JSON.parse it refuses what different parsers read differently: duplicate
 * object keys (first-wins vs last-wins is a classic signature-bypass differential),
 * invalid UTF-8, a byte-order mark, and nesting deeper than `maxDepth`. The
 * parser's own recursion is bounded by the same depth, so it cannot overflow.
 */
export function parseStrictJson(input: Buffer | string, options: StrictJsonOptions): unknown {
  let text: string;
  try {
    text = typeof input === 'string' ? input : utf8.decode(input);
  } catch {
    throw new ModelsealError(options.code, `${options.what} is not valid UTF-8`, { file: options.file });
  }
  try {
    return new Reader(text, options.maxDepth ?? MAX_JSON_DEPTH, options.offsetOf).document();
  } catch (err) {
    if (!(err instanceof Fail)) throw err;
    throw new ModelsealError(options.code, `${options.what} is not acceptable JSON: ${err.reason}`, { file: options.file });
  }
}

class Reader {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly offsetOf?: (position: number, text: string) => number,
  ) {}

  document(): unknown {
    if (this.text.charCodeAt(0) === 0xfeff) throw new Fail('starts with a byte-order mark');
    this.space();
    if (this.pos >= this.text.length) throw new Fail('it is empty');
    const value = this.value(0);
    this.space();
    if (this.pos !== this.text.length) throw this.unexpected('trailing data');
    return value;
  }

  private unexpected(what = 'unexpected character'): Fail {
    if (this.pos >= this.text.length) return new Fail('it ends too early (truncated?)');
    return new Fail(`${what} at offset ${this.offsetOf ? this.offsetOf(this.pos, this.text) : this.pos}`);
  }

  private space(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  private value(depth: number): unknown {
    const c = this.text[this.pos];
    if (c === '{' || c === '[') {
      if (depth >= this.maxDepth) throw new Fail(`nesting is deeper than ${this.maxDepth} levels`);
      return c === '{' ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === '"') return this.string();
    if (c === 't') return this.literal('true', true);
    if (c === 'f') return this.literal('false', false);
    if (c === 'n') return this.literal('null', null);
    return this.number();
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) throw this.unexpected();
    this.pos += word.length;
    return value;
  }

  private number(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m || m[0] === '' || m[0] === '-') throw this.unexpected();
    this.pos += m[0].length;
    const n = Number(m[0]);
    if (!Number.isFinite(n)) throw new Fail(`number ${m[0].slice(0, 20)} is out of range`);
    return n;
  }

  private string(): string {
    const t = this.text;
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      PLAIN.lastIndex = this.pos;
      const run = PLAIN.exec(t) as RegExpExecArray;
      out += run[0];
      this.pos += run[0].length;
      const c = t[this.pos];
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c !== '\\') throw this.unexpected(c === undefined ? undefined : 'control character in a string');
      const e = t[this.pos + 1];
      if (e === 'u') {
        const hex = t.slice(this.pos + 2, this.pos + 6);
        if (!HEX4.test(hex)) throw this.unexpected('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else if (e !== undefined && ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
        this.pos += 2;
      } else {
        throw this.unexpected('bad escape');
      }
    }
  }

  private array(depth: number): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    this.space();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.space();
      out.push(this.value(depth));
      this.space();
      const c = this.text[this.pos++];
      if (c === ']') return out;
      if (c !== ',') {
        this.pos--;
        throw this.unexpected();
      }
    }
  }

  private object(depth: number): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.space();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') throw this.unexpected('expected a key');
      const key = this.string();
      if (seen.has(key)) throw new Fail(`duplicate key ${quoted(key, 80)}`);
      seen.add(key);
      this.space();
      if (this.text[this.pos] !== ':') throw this.unexpected('expected ":"');
      this.pos++;
      this.space();
      // defineProperty, not assignment: a "__proto__" key must stay data, as with JSON.parse.
      Object.defineProperty(out, key, { value: this.value(depth), enumerable: true, writable: true, configurable: true });
      this.space();
      const c = this.text[this.pos++];
      if (c === '}') return out;
      if (c !== ',') {
        this.pos--;
        throw this.unexpected();
      }
    }
  }
}
