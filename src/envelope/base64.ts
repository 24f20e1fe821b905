const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Strict base64 decoding: standard or URL-safe alphabet (DSSE verifiers must accept
 * both), optional padding; anything else is refused instead of silently skipped
 * as Buffer.from(s, 'base64') would.
 */
export function decodeBase64(value: unknown): Buffer | null {
  if (typeof value !== 'string') return null;
  if (!STANDARD.test(value) && !URL_SAFE.test(value)) return null;
  const body = value.replace(/=+$/, '');
  if (body.length % 4 === 1) return null;
  if (value.length !== body.length && value.length % 4 !== 0) return null;
  return Buffer.from(body, URL_SAFE.test(value) && /[-_]/.test(value) ? 'base64url' : 'base64');
}
