export const COSE_EXTENSION = '.cose';

/**
 * Whether a signature file is to be read as COSE: by its `.cose` extension, or by a
 * first byte that starts a CBOR tag or array (a JSON bundle starts with "{" or space).
 */
export function looksLikeCose(file: string, bytes: Buffer): boolean {
  if (file.toLowerCase().endsWith(COSE_EXTENSION)) return true;
  const first = bytes[0];
  return first !== undefined && ((first >= 0xc0 && first <= 0xdb) || (first >= 0x80 && first <= 0x9f));
}
