import { createHash } from 'node:crypto';

/** model_signing's public-key hint: hex SHA-256 of the SPKI PEM text. */
export function keyHint(publicPem: string): string {
  return createHash('sha256').update(publicPem, 'utf8').digest('hex');
}
