/**
 * A strict CBOR (RFC 8949) well-formedness check, run over untrusted bytes before
 * cbor-x decodes them: cbor-x is permissive (it accepts indefinite lengths, keeps
 * the last of duplicate map keys, ignores nothing it should refuse), so every rule
 * that matters for a signed message is enforced here first.
 *
 * Refused: trailing bytes, indefinite lengths and "break", non-preferred (longer than
 * needed) integer and length encodings, duplicate map keys, map keys other than
 * integers and text strings, tags other than one at the very top, text strings that
 * are not UTF-8, reserved additional-information values, and nesting deeper than 16.
 * With `canonical`, map keys must also be in RFC 8949 §4.2.1 order (bytewise
 * lexicographic order of their encodings): this is how our own output is checked.
 */

export interface StrictCborOptions {
  /** Also require sorted map keys (core deterministic encoding, RFC 8949 §4.2.1). */
  canonical?: boolean;
  /** Allow a tag around the top-level item (and nowhere else). */
  topLevelTag?: boolean;
  /**
   * The most entries an array or map may hold (default 1000, far above any COSE
   * header): a message with millions of labels is refused before it is decoded,
   * so memory and the error message stay small.
   */
  maxItems?: number;
}

export class CborFormatError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'CborFormatError';
  }
}

const MAX_DEPTH = 16;
const DEFAULT_MAX_ITEMS = 1000;
/** Items in the whole message: nested arrays each within maxItems still multiply (550 MB of zeros decoded to 4.9 GB). */
const MAX_TOTAL_ITEMS = 100_000;
const utf8 = new TextDecoder('utf-8', { fatal: true });

class Walker {
  private pos = 0;

  constructor(private readonly buf: Uint8Array, private readonly options: StrictCborOptions) {}

  /** The number of the tag around the top-level item, if any. */
  topTag?: number;

  run(): void {
    const first = this.buf[0];
    if (this.options.topLevelTag && first !== undefined && first >> 5 === 6) {
      const { arg } = this.head();
      this.topTag = arg;
      this.item(1);
    } else {
      this.item(0);
    }
    if (this.pos !== this.buf.length) throw new CborFormatError(`${this.buf.length - this.pos} trailing byte(s) after the CBOR item`, this.pos);
  }

  private fail(message: string, at = this.pos): never {
    throw new CborFormatError(message, at);
  }

  private bound(count: number, what: string, at: number): void {
    const max = this.options.maxItems ?? DEFAULT_MAX_ITEMS;
    if (count > max) this.fail(`${what} of ${count} entries, over the limit of ${max}`, at);
  }

  private need(n: number): void {
    if (n > this.buf.length - this.pos) this.fail('truncated CBOR item');
  }

  /** Reads an item head; returns its major type and argument, enforcing preferred encoding. */
  private head(): { major: number; ai: number; arg: number; start: number } {
    const start = this.pos;
    this.need(1);
    const initial = this.buf[this.pos++];
    const major = initial >> 5;
    const ai = initial & 0x1f;
    if (ai < 24) return { major, ai, arg: ai, start };
    if (ai === 31) this.fail(major === 7 ? 'unexpected "break" byte' : 'indefinite-length item', start);
    if (ai > 27) this.fail(`reserved additional information ${ai}`, start);
    const size = 1 << (ai - 24);
    this.need(size);
    let arg = 0;
    for (let i = 0; i < size; i++) arg = arg * 256 + this.buf[this.pos + i];
    this.pos += size;
    // Floats (major 7, ai 25-27) carry a value, not an argument: no shortest-form rule here.
    if (major === 7 && ai >= 25) return { major, ai, arg, start };
    if (size === 8 && arg > Number.MAX_SAFE_INTEGER) this.fail('integer or length beyond 2^53', start);
    if (major === 7 && arg < 32) this.fail('simple value in a two-byte encoding', start);
    const floor = ai === 24 ? 24 : 2 ** (8 * (size / 2));
    if (arg < floor) this.fail('integer or length not in its shortest form', start);
    return { major, ai, arg, start };
  }

  private items = 0;

  private item(depth: number): void {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    if (++this.items > MAX_TOTAL_ITEMS) this.fail(`more than ${MAX_TOTAL_ITEMS} items in all`);
    const { major, arg, start } = this.head();
    switch (major) {
      case 0:
      case 1:
      case 7:
        return;
      case 2:
        this.need(arg);
        this.pos += arg;
        return;
      case 3: {
        this.need(arg);
        try {
          utf8.decode(this.buf.subarray(this.pos, this.pos + arg));
        } catch {
          this.fail('text string is not valid UTF-8', start);
        }
        this.pos += arg;
        return;
      }
      case 4:
        // Every item takes at least one byte: a count beyond the rest is a lie.
        this.need(arg);
        this.bound(arg, 'array', start);
        for (let i = 0; i < arg; i++) this.item(depth + 1);
        return;
      case 5:
        this.need(arg * 2);
        this.bound(arg, 'map', start);
        this.map(arg, depth);
        return;
      case 6:
        this.fail(`unexpected tag ${arg}`, start);
    }
  }

  private map(count: number, depth: number): void {
    const seen = new Set<string>();
    let previous: Uint8Array | undefined;
    for (let i = 0; i < count; i++) {
      const keyStart = this.pos;
      const initial = this.buf[keyStart];
      const keyMajor = initial >> 5;
      if (keyMajor !== 0 && keyMajor !== 1 && keyMajor !== 3) this.fail('map key is not an integer or text string', keyStart);
      this.item(depth + 1);
      // Shortest forms are enforced, so equal keys have equal encodings.
      const key = this.buf.subarray(keyStart, this.pos);
      const id = Buffer.from(key).toString('hex');
      if (seen.has(id)) this.fail('duplicate map key', keyStart);
      seen.add(id);
      if (this.options.canonical && previous && Buffer.compare(previous, key) >= 0) this.fail('map keys not in canonical order', keyStart);
      previous = key;
      this.item(depth + 1);
    }
  }
}

/**
 * Throws a CborFormatError naming the first rule the bytes break; returns the number
 * of the top-level tag when `topLevelTag` allowed one.
 */
export function checkStrictCbor(bytes: Uint8Array, options: StrictCborOptions = {}): { tag?: number } {
  const walker = new Walker(bytes, options);
  walker.run();
  return walker.topTag === undefined ? {} : { tag: walker.topTag };
}
