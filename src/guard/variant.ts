import { unconfuse } from './confusables';

/**
 * Words that name a deliberate variant of a model rather than a typo: sizes,
 * tunings, casing, quantizations, units. Swapping one for another
 * (bert-base-uncased / bert-base-cased, whisper-large / whisper-medium) names a
 * different artifact on purpose.
 */
const VARIANT_WORDS: ReadonlySet<string> = new Set([
  // sizes
  'nano', 'micro', 'tiny', 'mini', 'small', 'base', 'medium', 'large', 'xl', 'xxl', 'huge', 'giant',
  // tunings and flavours
  'chat', 'instruct', 'it', 'hf', 'sft', 'dpo', 'rlhf', 'code', 'coder', 'math', 'vision', 'vl',
  'cased', 'uncased', 'en', 'multilingual', 'distilled', 'turbo', 'preview',
  // quantizations and formats
  'gguf', 'ggml', 'gptq', 'awq', 'exl', 'fp', 'bf', 'int', 'onnx', 'mlx',
  // units after a number (7b, 125m, 8x7b, 4k)
  'b', 'm', 'k', 'x', 't',
]);

/** Tokens of a name part: separators split, and letters split from digits (7b -> 7, b). */
export function nameTokens(part: string): string[] {
  return unconfuse(part)
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
