import { UNSAFE_CHARS } from './unsafe';

/** How many UTF-16 units of an attacker string a human line shows. */
export const DISPLAY_LIMIT = 200;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

function escapeChar(ch: string): string {
  if (SHORT[ch]) return SHORT[ch];
  const cp = ch.codePointAt(0)!;
  return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

/** Every control, line separator, bidi control, invisible or format character as a visible escape. */
export function escapeUnsafe(s: string): string {
  return s.replace(UNSAFE_CHARS, escapeChar);
}

/** The first `limit` units of s (never half a surrogate pair), and whether it was cut. */
function head(s: string, limit: number): { text: string; cut: boolean } {
  if (s.length <= limit) return { text: s, cut: false };
  let end = limit;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return { text: s.slice(0, end), cut: true };
}

const suffix = (s: string) => `… (${Buffer.byteLength(s, 'utf8')} bytes)`;

/**
 * An attacker-chosen string as a human line may show it: escaped, and cut to
 * `limit` characters with "… (N bytes)". Cuts before escaping: a 20 MB input costs
 * no 20 MB copy.
 */
export function displayText(s: string, limit = DISPLAY_LIMIT): string {
  const { text, cut } = head(s, limit);
  return escapeUnsafe(text) + (cut ? suffix(s) : '');
}

/**
 * Any value from an input, quoted for a message: strings JSON-quoted with every
 * unsafe character escaped and cut to `limit`; numbers and booleans as themselves;
 * anything else by its kind only (its JSON could be of any size).
 */
export function quoted(v: unknown, limit = DISPLAY_LIMIT): string {
  if (typeof v === 'string') {
    const { text, cut } = head(v, limit);
    return escapeUnsafe(JSON.stringify(text)) + (cut ? suffix(v) : '');
  }
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (typeof v === 'bigint') return `${v}`.length > 40 ? 'a very large integer' : `${v}`;
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (v instanceof Map) return `a map of ${v.size} entr${v.size === 1 ? 'y' : 'ies'}`;
  return `a ${typeof v}`;
}

/** The first `max` items of a list, quoted, then "and N more". */
export function quotedList(items: readonly unknown[], max = 10, show: (v: unknown) => string = (v) => quoted(v)): string {
  const shown = items.slice(0, max).map(show).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** The longest line (in UTF-16 units) a human-readable line or error message may be. */
export const LINE_LIMIT = 900;

/**
 * A whole line for a terminal: unsafe characters escaped and the line cut to
 * `limit`. The last guard of every printer: strings inside should already be
 * `displayText`/`quoted`.
 */
export function safeLine(line: string, limit = LINE_LIMIT): string {
  return displayText(line, limit);
}

const NON_ASCII_UNSAFE = /[\u0080-\u009f\u2028\u2029\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\p{Cf}]/gu;

/**
 * JSON text (JSON.stringify's output) with the non-ASCII controls, line separators,
 * bidi and invisible characters that JSON.stringify leaves raw written as \u escapes:
 * the same value for a parser, nothing raw for a terminal. Those characters can only
 * occur inside JSON strings, so the text stays valid JSON.
 */
export function escapeJsonText(json: string): string {
  return json.replace(NON_ASCII_UNSAFE, (ch) => Array.from({ length: ch.length }, (_, i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
}
