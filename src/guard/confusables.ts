/**
 * A small table of characters that look like Latin letters, from the scripts a
 * look-alike model or dataset name is likely to borrow from (Cyrillic, Greek, a few
 * Latin and symbol forms). Applied before lowercasing, so capitals map to the Latin
 * capital they imitate (Greek Ν is N, Greek ν is v). Not the full Unicode
 * confusables list: names are also NFKD-normalized, stripped of combining marks
 * and of invisible format characters before this table is applied.
 */
const SCRIPT_LOOKALIKES: Record<string, string> = {
  // Cyrillic capitals
  'А': 'A', 'В': 'B', 'С': 'C', 'Е': 'E', 'Н': 'H', 'І': 'I', 'Ј': 'J', 'К': 'K', 'М': 'M', 'О': 'O',
  'Р': 'P', 'Ѕ': 'S', 'Т': 'T', 'Х': 'X', 'У': 'Y', 'Ԁ': 'D', 'Ԛ': 'Q', 'Ԝ': 'W', 'Ӏ': 'l',
  // Cyrillic small letters
  'а': 'a', 'в': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'һ': 'h', 'і': 'i', 'ј': 'j', 'к': 'k', 'ӏ': 'l',
  'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'ѕ': 's', 'т': 't', 'у': 'y', 'х': 'x', 'ԝ': 'w',
  'ь': 'b', 'ѵ': 'v', 'ё': 'e',
  // Greek capitals
  'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O',
  'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
  // Greek small letters
  'α': 'a', 'β': 'b', 'γ': 'y', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
  'υ': 'u', 'χ': 'x', 'ω': 'w',
  // Latin look-alikes outside ASCII
  'ı': 'i', 'ȷ': 'j', 'ɡ': 'g', 'ɑ': 'a', 'ǀ': 'l', 'ℓ': 'l', 'ꞵ': 'b',
  // An ASCII capital I is a lowercase l in most sans-serif fonts
  'I': 'l', '|': 'l',
};

/** Digits that pass for letters (after lowercasing). Kept apart so the guard can say which kind of swap it saw. */
const DIGIT_LOOKALIKES: Record<string, string> = { '0': 'o', '1': 'l' };

/** Letter pairs that render like one letter. */
const SEQUENCE_LOOKALIKES: Array<[RegExp, string]> = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
  [/cl/g, 'd'],
];

/** Unicode normalization, no combining marks, no invisible characters. */
export function normalizeName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/\p{Cf}/gu, '')
    .normalize('NFKC');
}

/** Script look-alikes mapped to Latin, then lowercased: digits kept as digits. */
export function unconfuse(name: string): string {
  let out = '';
  for (const ch of normalizeName(name)) out += SCRIPT_LOOKALIKES[ch] ?? ch;
  out = out.toLowerCase();
  for (const [re, to] of SEQUENCE_LOOKALIKES) out = out.replace(re, to);
  return out;
}

/** `unconfuse`, and digits that look like letters turned into those letters. */
export function skeletonWithDigits(name: string): string {
  let out = '';
  for (const ch of unconfuse(name)) out += DIGIT_LOOKALIKES[ch] ?? ch;
  return out;
}
