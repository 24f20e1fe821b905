import { caseFold, collisionKey, foldSeparators, skeleton } from '../names';

/**
 * The guard's comparison keys, all from the one name module (Unicode data, no hand
 * table): separators folded first (so a slash look-alike splits like "/"), then
 * NFKC + full case folding, then UTS #39 skeletons.
 */

/** NFKC, separator look-alikes folded to ASCII, default-ignorables removed: the form a name is split in. */
export function normalizeName(name: string): string {
  return foldSeparators(name.normalize('NFKC')).replace(/\p{Default_Ignorable_Code_Point}/gu, '');
}

const SEPARATORS = /[\s\-_.]+/g;
const DIGIT = /[0-9]/;

/** Case and separator folding: `Llama-2-7b` and `llama_2_7b` have one key. */
export function foldKey(s: string): string {
  return collisionKey(normalizeName(s)).replace(SEPARATORS, '');
}

/**
 * The skeleton of a case-folded name, separators removed. With `digits` false,
 * ASCII digits stay digits (so a 1-for-l swap can be told apart from a script swap).
 * Skeleton first (capital I becomes l), then folding, then skeleton again: case
 * never hides a look-alike and never creates one.
 */
export function lookKey(s: string, digits = true): string {
  const norm = normalizeName(s).replace(SEPARATORS, '');
  const skel = (t: string) => (digits ? skeleton(t) : [...t].map((ch) => (DIGIT.test(ch) ? ch : skeleton(ch))).join(''));
  return skel(caseFold(skel(norm)).normalize('NFKC')).replace(SEPARATORS, '');
}

/** Lower-case words of a name for variant detection: NFKC, full case folding, separators folded. */
export function foldedWords(s: string): string {
  return caseFold(normalizeName(s)).normalize('NFKC');
}
