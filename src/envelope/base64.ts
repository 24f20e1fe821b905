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
  const body = value.replace(/=+$/, '');
  if (body.length % 4 === 1) return null;
  if (value.length !== body.length && value.length % 4 !== 0) return null;
  const urlSafe = /[-_]/.test(value);
  const bytes = Buffer.from(body, urlSafe ? 'base64url' : 'base64');
  // Non-zero unused bits in the last character ("AR==" for "AQ==") would give one
  // signature many encodings; only the canonical one is accepted.
  const canonical = bytes.toString(urlSafe ? 'base64url' : 'base64').replace(/=+$/, '');
  return canonical === body ? bytes : null;
}
