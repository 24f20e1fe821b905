import { foldedWords } from './confusables';

/**
 * Words that name a deliberate variant of a model rather than a typo: sizes,
 * tunings, casing, quantizations, units. Swapping one for another
 * (bert-base-uncased / bert-base-cased, whisper-large / whisper-medium) names a
 * different artifact on purpose.
 */
const VARIANT_WORDS: ReadonlySet<string> = new Set([
  // sizes
  'nano', 'micro', 'tiny', 'mini', 'small', 'base', 'medium', 'large', 'xlarge', 'xxlarge', 'xl', 'xxl', 'huge', 'giant',
  // tunings and flavours
  'chat', 'instruct', 'it', 'hf', 'sft', 'dpo', 'rlhf', 'code', 'coder', 'math', 'vision', 'vl',
  'cased', 'uncased', 'en', 'multilingual', 'distilled', 'turbo', 'preview',
  // quantizations and formats
  'gguf', 'ggml', 'gptq', 'awq', 'exl', 'fp', 'bf', 'int', 'onnx', 'mlx',
  // units after a number (7b, 125m, 8x7b, 4k)
  'b', 'm', 'k', 'x', 't',
]);

/**
 * Prefixes and suffixes that make another model of a family on purpose: mT5, ByT5,
 * Flan-T5, LongT5 (T5); BLOOMZ, mT0 (BLOOM); SDXL (SD); distil-, tiny- forms.
 * A token that is another token plus one of these is a family member, not a typo.
 */
const FAMILY_PREFIXES = ['m', 'by', 'flan', 'long', 'distil', 'tiny', 'mega', 'open', 'code', 'star'];
const FAMILY_SUFFIXES = ['z', 'xl', 'xxl', 'coder', 'chat', 'instruct', 'math', 'plus', 'pro', 'lite'];

function familyBases(t: string): Set<string> {
  const out = new Set([t]);
  for (const p of FAMILY_PREFIXES) if (t.length > p.length && t.startsWith(p)) out.add(t.slice(p.length));
  for (const b of [...out]) for (const s of FAMILY_SUFFIXES) if (b.length > s.length && b.endsWith(s)) out.add(b.slice(0, -s.length));
  return out;
}

/** mt5/t5, byt5/mt5, bloomz/bloom, sdxl/sd: both tokens come from one base by family affixes. */
function sameFamily(a: string, b: string): boolean {
  if (a === b || /\d/.test(a + b)) return false;
  const bases = familyBases(a);
  for (const x of familyBases(b)) if (bases.has(x)) return true;
  return false;
}

/** Tokens of a name part: separators split, and letters split from digits (7b -> 7, b). */
export function nameTokens(part: string): string[] {
  return foldedWords(part)
    .split(/[\s\-_./]+/)
    .flatMap((t) => t.split(/(\d+)/))
    .filter((t) => t !== '');
}

const isNumber = (t: string) => /^\d+$/.test(t);

/** Token gaps between the longest common token subsequence of a and b. */
function tokenGaps(a: string[], b: string[]): Array<[string[], string[]]> {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const gaps: Array<[string[], string[]]> = [];
  let ga: string[] = [];
  let gb: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      if (ga.length || gb.length) gaps.push([ga, gb]);
      ga = [];
      gb = [];
      i++;
      j++;
    } else if (j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) {
      ga.push(a[i++]);
    } else {
      gb.push(b[j++]);
    }
  }
  if (ga.length || gb.length) gaps.push([ga, gb]);
  return gaps;
}

function gapIsVariant([a, b]: [string[], string[]]): boolean {
  if (a.length === 0 || b.length === 0) {
    const added = a.length ? a : b;
    // A whole added word (gpt2 -> gpt2-xl) or number (qwen2 -> qwen2.5), not one stray letter.
    return added.every(isNumber) || added.join('').length >= 2;
  }
  // A different number (7b -> 13b, v0.1 -> v0.3) or another variant word (base -> large).
  if (a.every(isNumber) && b.every(isNumber)) return true;
  // Another member of the family (t5 -> mt5 -> byt5, bloom -> bloomz, sd -> sdxl).
  if (a.length === 1 && b.length === 1 && sameFamily(a[0], b[0])) return true;
  // Position by position, each a number, a family member or a variant word (bloom-7b1 -> bloomz-1b1).
  if (a.length === b.length && a.every((t, i) => (isNumber(t) && isNumber(b[i])) || t === b[i] || sameFamily(t, b[i]) || (VARIANT_WORDS.has(t) && VARIANT_WORDS.has(b[i])))) return true;
  return [...a, ...b].every((t) => isNumber(t) || VARIANT_WORDS.has(t));
}

/**
 * True when every difference between two names is a deliberate variant (another size,
 * version, tuning or an added word) rather than a look-alike edit: such names are
 * distinct artifacts even when their edit distance is small.
 */
export function isDeliberateVariant(a: string, b: string): boolean {
  const gaps = tokenGaps(nameTokens(a), nameTokens(b));
  return gaps.length > 0 && gaps.every(gapIsVariant);
}
