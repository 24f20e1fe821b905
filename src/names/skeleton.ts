import { CONFUSABLES } from './data/confusables';
import { withoutIgnorables } from './unsafe';

/**
 * The UTS #39 skeleton (Unicode Security Mechanisms §4): NFD, default-ignorables
 * removed, each character replaced by its confusables.txt prototype, NFD again.
 * Two strings with the same skeleton are confusable. The data is Unicode's
 * (src/names/data/confusables.ts, generated), not a hand table.
 */
export function skeleton(s: string): string {
  let out = '';
  for (const ch of withoutIgnorables(s.normalize('NFD'))) out += CONFUSABLES[ch] ?? ch;
  return out.normalize('NFD');
}

const SLASH = /[\u2044\u2215\u29f8\u2571\u30ce\u31d3\u4e3f\u2f03\u3033\uff0f\u1735\u29c4]/u;
const isLike = (ch: string, ascii: string) => skeleton(ch) === ascii || ch.normalize('NFKC') === ascii;

const cache = new Map<string, string>();
/** The ASCII separator a character passes for: '/', '-', '.', '_' or ' ', else the character. */
function separatorOf(ch: string): string {
  if (ch.length === 1 && ch < '\u0080') return /\s/.test(ch) ? ' ' : ch;
  let v = cache.get(ch);
  if (v !== undefined) return v;
  if (SLASH.test(ch) || isLike(ch, '/')) v = '/';
  else if (/\p{Pd}/u.test(ch) || ch === '\u2212' || isLike(ch, '-')) v = '-';
  else if (/[\u00b7\u2024\u2027\u3002\uff0e\uff61\u0701\u0702\ua60e\u30fb\uff65]/u.test(ch) || isLike(ch, '.')) v = '.';
  else if (/[\p{Zs}\p{White_Space}]/u.test(ch)) v = ' ';
  else if (isLike(ch, '_')) v = '_';
  else v = ch;
  if (cache.size < 4096) cache.set(ch, v);
  return v;
}

/**
 * Folds slash-, dash-, dot-, underscore- and space-like characters to their ASCII
 * forms. Run before a name is split into namespace and name, so that
 * `meta-llama∕Llama` (U+2215) splits where the reader sees a slash.
 */
export function foldSeparators(name: string): string {
  let out = '';
  for (const ch of name) out += separatorOf(ch);
  return out;
}
