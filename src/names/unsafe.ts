/**
 * Characters that must never appear in a name we sign, verify or print raw: they
 * change what a terminal shows (controls, line separators, bidi overrides) or are
 * invisible (default-ignorables), so two different names would look the same.
 * Uses the Unicode properties of Node's own ICU (no table of ours to drift).
 */

export type UnsafeReason = 'control' | 'line-separator' | 'bidi-control' | 'default-ignorable' | 'lone-surrogate';

const CLASSES: Array<[RegExp, UnsafeReason]> = [
  [/\p{Cc}/u, 'control'], // C0, DEL, C1 (U+0085 NEL, U+009B CSI...)
  [/[\p{Zl}\p{Zp}]/u, 'line-separator'], // U+2028, U+2029
  [/\p{Bidi_Control}/u, 'bidi-control'], // U+061C, U+200E/F, U+202A-202E, U+2066-2069
  [/\p{Default_Ignorable_Code_Point}/u, 'default-ignorable'], // zero-width, soft hyphen, variation selectors, tags...
  [/\p{Cs}/u, 'lone-surrogate'],
];

/** One pattern for all of them (for replacing). */
export const UNSAFE_CHARS = /[\p{Cc}\p{Zl}\p{Zp}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\p{Cs}\p{Cf}]/gu;

const REASON_TEXT: Record<UnsafeReason, string> = {
  control: 'a control character',
  'line-separator': 'a line or paragraph separator',
  'bidi-control': 'a bidirectional control character',
  'default-ignorable': 'an invisible (default-ignorable) character',
  'lone-surrogate': 'an unpaired UTF-16 surrogate',
};

export interface UnsafeCharacter {
  reason: UnsafeReason;
  /** The code point, as U+XXXX. */
  codePoint: string;
  /** "a bidirectional control character (U+202E)". */
  text: string;
}

/** The first character of `name` that a name may not hold, or undefined. */
export function findUnsafeCharacter(name: string): UnsafeCharacter | undefined {
  const m = /[\p{Cc}\p{Zl}\p{Zp}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\p{Cs}]/u.exec(name);
  if (!m) return undefined;
  const reason = CLASSES.find(([re]) => re.test(m[0]))?.[1] ?? 'control';
  const codePoint = `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return { reason, codePoint, text: `${REASON_TEXT[reason]} (${codePoint})` };
}

/** Removes default-ignorable characters (for comparing names, never for names we write). */
export function withoutIgnorables(s: string): string {
  return s.replace(/\p{Default_Ignorable_Code_Point}/gu, '');
}
