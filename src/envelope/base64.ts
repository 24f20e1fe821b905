const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Strict base64 decoding: standard or URL-safe alphabet (DSSE verifiers must accept
 * both), optional padding; anything else is refused instead of silently skipped
 * as Buffer.from(s, 'base64') would. One value uses one alphabet, in canonical form.
 */
export function decodeBase64(value: unknown): Buffer | null {
  if (typeof value !== 'string') return null;
  if (!STANDARD.test(value) && !URL_SAFE.test(value)) return null;
  let pad = 0;
  while (pad < value.length && value.charCodeAt(value.length - 1 - pad) === 0x3d) pad++;
  const length = value.length - pad; // the alphabet check allows at most two "="
  if (length % 4 === 1) return null;
  if (pad > 0 && value.length % 4 !== 0) return null;
  const urlSafe = /[-_]/.test(value);
  const encoding = urlSafe ? 'base64url' : 'base64';
  const bytes = Buffer.from(pad > 0 ? value.slice(0, length) : value, encoding);
  // Non-zero unused bits in the last character ("AR==" for "AQ==") would give one
  // signature many encodings; only the canonical one is accepted. Whole 4-character
  // groups decode one-to-one, so re-encoding the last group is enough (a 300 MB
  // payload is not encoded a second time).
  const lastGroup = length - (length % 4 || 4);
  if (lastGroup < 0) return length === 0 ? bytes : null;
  const tail = bytes.subarray((lastGroup / 4) * 3).toString(encoding).replace(/=+$/, '');
  return tail === value.slice(lastGroup, length) ? bytes : null;
}
