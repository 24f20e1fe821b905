import type { X509Certificate } from 'node:crypto';
import { ModelsealError } from '../errors';
import { serializeCertificateBundle } from '../envelope/certificate-bundle';
import type { SigningKey } from '../keys/signing-key';
import type { Statement } from '../statement/statement';
import { loadCertificates, subjectOf } from '../verify/certificates';
import { signInTotoStatement } from './sign-dsse';

export interface CertificateMaterial {
  /** The signing certificate (PEM file or parsed); its key must be the signing key. */
  certificate: string | X509Certificate;
  /** Intermediates, in order towards the root (PEM files or parsed). The root itself is optional. */
  chain?: ReadonlyArray<string | X509Certificate>;
}

function certs(v: string | X509Certificate, code: 'KEY_INVALID'): X509Certificate[] {
  return typeof v === 'string' ? loadCertificates(v, code) : [v];
}

/** Loads and checks the signer's certificate material: the leaf must match the key and be valid now. */
export function loadCertificateMaterial(material: CertificateMaterial, key: SigningKey): X509Certificate[] {
  const file = typeof material.certificate === 'string' ? material.certificate : undefined;
  const [leaf, ...rest] = certs(material.certificate, 'KEY_INVALID');
  const chain = [...rest, ...(material.chain ?? []).flatMap((c) => certs(c, 'KEY_INVALID'))];
  // The leaf must certify the signing key: compared as SPKI DER (a token key never leaves the token).
  const leafSpki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  if (!leafSpki.equals(key.publicKey.key.export({ type: 'spki', format: 'der' }))) {
    throw new ModelsealError('KEY_INVALID', `the certificate (${subjectOf(leaf)}) is not for this private key`, { file });
  }
  const now = new Date();
  if (new Date(leaf.validFrom) > now || new Date(leaf.validTo) < now) {
    throw new ModelsealError('CERTIFICATE_INVALID', `the certificate (${subjectOf(leaf)}) is not valid now (${leaf.validFrom} to ${leaf.validTo})`, { file });
  }
  return [leaf, ...chain];
}

/** Signs a statement with a key whose X.509 certificate (and chain) go into the bundle. */
export function signStatementWithCertificate(statement: Statement<unknown>, key: SigningKey, chain: readonly X509Certificate[]): string {
  return serializeCertificateBundle(signInTotoStatement(statement, key), chain.map((c) => c.raw));
}
