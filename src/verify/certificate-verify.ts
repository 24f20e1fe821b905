import { X509Certificate } from 'node:crypto';
import { X509Certificate as SigstoreX509 } from '@sigstore/core';
import { ModelsealError } from '../errors';
import { subjectOf } from './certificates';
import { pathConstraintProblem } from './path-constraints';

const EKU_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
const EKU_ANY = '2.5.29.37.0';
const OID_KEY_USAGE = '2.5.29.15';
const MAX_DEPTH = 8;

export interface CaTrust {
  roots: readonly X509Certificate[];
  /**
   * Judge validity at the leaf's notBefore, as model_signing does (a certificate that
   * expired years ago still verifies a bundle signed today). Default: now, since an OMS
   * certificate bundle carries no log entry or timestamp that proves when it was signed.
   */
  validAtNotBefore?: boolean;
  intermediates?: readonly X509Certificate[];
  /** Names the roots in messages (a file path). */
  source?: string;
}

export interface CertificatePath {
  leaf: X509Certificate;
  /** Leaf first, trusted root last. */
  path: X509Certificate[];
  /** The instant the path was validated at (see verifyCertificatePath). */
  validatedAt: Date;
}

/** KeyUsage bits (RFC 5280 §4.2.1.3) of a certificate, or undefined without the extension. */
function keyUsageBits(cert: X509Certificate): { digitalSignature: boolean; keyCertSign: boolean } | undefined {
  const ext = SigstoreX509.parse(cert.raw).extension(OID_KEY_USAGE);
  if (!ext) return undefined;
  // extnValue holds a DER BIT STRING: tag 03, length, unused-bit count, then the bits.
  const der = ext.valueObj.value;
  const first = der.length >= 4 && der[0] === 0x03 && der[1] >= 2 ? der[3] : 0;
  return { digitalSignature: (first & 0x80) !== 0, keyCertSign: (first & 0x04) !== 0 };
}

const sameCert = (a: X509Certificate, b: X509Certificate) => a.fingerprint256 === b.fingerprint256;
const issuedBy = (child: X509Certificate, parent: X509Certificate) => {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
};
const isSelfSigned = (c: X509Certificate) => {
  try {
    return c.issuer === c.subject && c.verify(c.publicKey);
  } catch {
    return false;
  }
};
const validAt = (c: X509Certificate, t: Date) => new Date(c.validFrom) <= t && t <= new Date(c.validTo);

function checkLeafUsage(leaf: X509Certificate, file?: string): void {
  const bad = (m: string) => new ModelsealError('CERTIFICATE_INVALID', m, { file });
  if (leaf.ca) throw bad(`the signing certificate (${subjectOf(leaf)}) is a CA certificate, not a signing certificate`);
  const ku = keyUsageBits(leaf);
  const eku = leaf.keyUsage; // extended key usage OIDs (Node names it keyUsage)
  if (ku && !ku.digitalSignature) throw bad(`the signing certificate (${subjectOf(leaf)}) does not allow digitalSignature`);
  if (eku && eku.length > 0 && !eku.includes(EKU_CODE_SIGNING) && !eku.includes(EKU_ANY)) {
    throw bad(`the signing certificate (${subjectOf(leaf)}) is not for code signing (extended key usage ${eku.join(', ')})`);
  }
  if (!ku && !(eku && eku.length > 0)) throw bad(`the signing certificate (${subjectOf(leaf)}) has neither key usage nor extended key usage`);
}

function canIssue(ca: X509Certificate): boolean {
  if (!ca.ca) return false;
  const ku = keyUsageBits(ca);
  return !ku || ku.keyCertSign;
}

/**
 * Validates a signing certificate chain (leaf first, as in a bundle's x509CertificateChain)
 * against trusted CA roots: path building through the bundle's and the caller's
 * intermediates, signatures, CA flags and keyCertSign, code-signing usage of the leaf,
 * RFC 5280 path constraints (path lengths, name constraints, critical extensions:
 * path-constraints.ts), and validity of every certificate at `at` (a time a log entry or
 * timestamp proves), else now; `validAtNotBefore` is model_signing's behaviour, explicit.
 * A self-signed leaf is accepted only if it is itself one of the roots.
 */
export function verifyCertificatePath(chain: readonly X509Certificate[], trust: CaTrust, file?: string, at?: Date): CertificatePath {
  if (chain.length === 0) throw new ModelsealError('BUNDLE_INVALID', 'the certificate chain is empty', { file });
  if (trust.roots.length === 0) throw new ModelsealError('USAGE_ERROR', 'no trusted CA root was given', { file });
  const leaf = chain[0];
  const source = trust.source ? ` (${trust.source})` : '';
  const signingTime = at ?? (trust.validAtNotBefore ? new Date(leaf.validFrom) : new Date());
  if (new Date(leaf.validFrom) > new Date()) {
    throw new ModelsealError('CERTIFICATE_INVALID', `the signing certificate (${subjectOf(leaf)}) is not valid before ${leaf.validFrom}`, { file });
  }
  if (trust.roots.some((r) => sameCert(r, leaf))) {
    if (!validAt(leaf, signingTime)) throw new ModelsealError('CERTIFICATE_INVALID', `the signing certificate (${subjectOf(leaf)}) was not valid at ${signingTime.toISOString()}`, { file });
    return { leaf, path: [leaf], validatedAt: signingTime };
  }
  if (isSelfSigned(leaf)) {
    throw new ModelsealError('UNTRUSTED_SIGNER', `the signing certificate (${subjectOf(leaf)}) is self-signed and is not one of the trusted roots${source}`, { file });
  }
  checkLeafUsage(leaf, file);
  const pool = [...chain.slice(1), ...(trust.intermediates ?? [])];
  const expired: string[] = [];
  const constrained: string[] = [];

  const build = (path: X509Certificate[]): X509Certificate[] | null => {
    const cur = path[path.length - 1];
    for (const root of trust.roots) {
      if (issuedBy(cur, root) && canIssue(root)) {
        const full = [...path, root];
        const stale = full.filter((c) => !validAt(c, signingTime));
        const problem = stale.length === 0 ? pathConstraintProblem(full, subjectOf) : undefined;
        if (stale.length === 0 && !problem) return full;
        expired.push(...stale.map(subjectOf));
        if (problem) constrained.push(problem);
      }
    }
    if (path.length > MAX_DEPTH) return null;
    for (const ca of pool) {
      if (path.some((p) => sameCert(p, ca)) || !canIssue(ca) || !issuedBy(cur, ca)) continue;
      const found = build([...path, ca]);
      if (found) return found;
    }
    return null;
  };
  const path = build([leaf]);
  if (!path) {
    if (constrained.length > 0) throw new ModelsealError('CERTIFICATE_INVALID', constrained[0], { file });
    if (expired.length > 0) {
      throw new ModelsealError('CERTIFICATE_INVALID', `a certificate in the chain (${[...new Set(expired)].join('; ')}) was not valid at ${signingTime.toISOString()}${trust.validAtNotBefore || at ? ' (the signing time)' : ' (now; --certificate-validity not-before judges it at the leaf\'s notBefore, as model_signing does)'}`, { file });
    }
    throw new ModelsealError('UNTRUSTED_SIGNER', `the signing certificate (${subjectOf(leaf)}, issued by ${leaf.issuer.split('\n').join(', ')}) does not chain to a trusted CA root${source}`, { file });
  }
  return { leaf, path, validatedAt: signingTime };
}
