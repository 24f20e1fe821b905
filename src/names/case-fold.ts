import { CASE_FOLDING } from './data/case-folding';
import { withoutIgnorables } from './unsafe';

/**
 * Unicode full case folding (CaseFolding.txt C + F, generated from Unicode's data):
 * `toLowerCase` is not folding (ſ, ß, ẞ, ﬅ, Cherokee and Greek final sigma differ).
 */
export function caseFold(s: string): string {
  let out = '';
  for (const ch of s) out += CASE_FOLDING[ch] ?? ch;
  return out;
}

/**
 * The key under which two file names are the same file on some file system we may
 * be unpacked onto (APFS, NTFS, case-insensitive ext4/FAT): NFKC, full case folding,
 * and the upper-case round trip NTFS uses (ı and i both upper-case to I), without
 * default-ignorables, repeated until stable. Deliberately broader than any one file
 * system: a tree with two names that any of them would merge is refused.
 */
export function collisionKey(name: string): string {
  // Printable ASCII: NFKC changes nothing and full folding is lowercasing (the common case, kept fast).
  if (/^[\x20-\x7e]*$/.test(name)) return name.toLowerCase();
  let prev = name;
  for (let i = 0; i < 3; i++) {
    const next = withoutIgnorables(caseFold(caseFold(prev.normalize('NFKC')).toUpperCase()).normalize('NFKC'));
    if (next === prev) return next;
    prev = next;
  }
  return prev;
}
