import { X509Certificate } from 'node:crypto';
import { ModelsealError, type ErrorCode } from '../errors';
import { readBoundedFile } from '../envelope/read-json';

const MAX_PEM_BYTES = 4 * 1024 * 1024;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Parses every CERTIFICATE block of a PEM text (text around the blocks is allowed). */
export function parseCertificates(pem: string, file?: string, code: ErrorCode = 'TRUST_ROOT_INVALID'): X509Certificate[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new ModelsealError(code, 'holds no PEM certificate ("-----BEGIN CERTIFICATE-----")', { file });
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (err) {
      throw new ModelsealError(code, `certificate #${i + 1} is not a valid X.509 certificate`, { file, cause: err });
    }
  });
}

export function loadCertificates(file: string, code: ErrorCode = 'TRUST_ROOT_INVALID'): X509Certificate[] {
  return parseCertificates(readBoundedFile(file, MAX_PEM_BYTES).toString('utf8'), file, code);
}

/** A one-line name for a certificate: its subject, comma-separated. */
export function subjectOf(cert: X509Certificate): string {
  return cert.subject.split('\n').join(', ');
}
