import type { Bundle } from '@sigstore/bundle';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { PolicyError, VerificationError, Verifier, toSignedEntity, type SignedEntity, type TrustMaterial } from '@sigstore/verify';

type SignatureContent = SignedEntity['signature'];
import { ModelsealError, type ErrorCode } from '../errors';
import { describeMatcher, matches, type IdentityMatcher } from './identity-match';

export interface SigstoreCheckOptions {
  trust: TrustMaterial;
  /** Where the trust material came from, for messages. */
  trustSource: string;
  /** Required for certificate bundles; the identity and issuer are matched exactly (or by anchored RegExp). */
  identity?: IdentityMatcher;
  /** Replaces @sigstore/verify's own signature content (see signature-content.ts). */
  content?: SignatureContent;
  /** Accepted signing keys for public-key bundles (the entity's key finder is in `trust`). */
  file?: string;
}

export interface SigstoreVerified {
  key: KeyObject;
  identity?: string;
  issuer?: string;
  logIndex?: string;
  /** ISO time the first log entry was integrated, when the log recorded one. */
  integratedTime?: string;
  tlogEntries: number;
  rfc3161Timestamps: number;
}

const CODE_MAP: Record<string, ErrorCode> = {
  TLOG_ERROR: 'TRANSPARENCY_LOG_INVALID',
  TLOG_INCLUSION_PROOF_ERROR: 'TRANSPARENCY_LOG_INVALID',
  TLOG_INCLUSION_PROMISE_ERROR: 'TRANSPARENCY_LOG_INVALID',
  TLOG_MISSING_INCLUSION_ERROR: 'TRANSPARENCY_LOG_INVALID',
  TLOG_BODY_ERROR: 'TRANSPARENCY_LOG_INVALID',
  CERTIFICATE_ERROR: 'CERTIFICATE_INVALID',
  PUBLIC_KEY_ERROR: 'UNTRUSTED_SIGNER',
  SIGNATURE_ERROR: 'SIGNATURE_MISMATCH',
  TIMESTAMP_ERROR: 'TIMESTAMP_INVALID',
  NOT_IMPLEMENTED_ERROR: 'UNSUPPORTED_MATERIAL',
};

/** Turns an @sigstore/verify failure into a one-line ModelsealError that says what did not verify. */
export function fromSigstoreError(err: unknown, trustSource: string, file?: string): ModelsealError {
  if (err instanceof ModelsealError) return err;
  if (err instanceof PolicyError) return new ModelsealError('IDENTITY_MISMATCH', err.message, { file, cause: err });
  if (err instanceof VerificationError) {
    let code = CODE_MAP[err.code] ?? 'BUNDLE_INVALID';
    let message = err.message;
    if (err.code === 'CERTIFICATE_ERROR' && /chain|trusted|issuer|root|authorit/i.test(message)) {
      code = 'UNTRUSTED_SIGNER';
      message = `the signing certificate does not chain to a certificate authority in the trusted root ${trustSource} (${message})`;
    } else if (code === 'TRANSPARENCY_LOG_INVALID') {
      message = `transparency log entry does not verify against ${trustSource}: ${message}`;
    } else if (code === 'TIMESTAMP_INVALID') {
      message = `timestamp check failed against the trusted root ${trustSource}: ${message}`;
    } else if (code === 'SIGNATURE_MISMATCH') {
      message = 'the signature does not verify with the signing certificate or key';
    }
    return new ModelsealError(code, message, { file, cause: err });
  }
  // Anything else (a TypeError on a hostile bundle...) is a refusal, never an acceptance.
  return new ModelsealError('BUNDLE_INVALID', `cannot be verified: ${(err as Error)?.message ?? String(err)}`, { file, cause: err });
}

/** Names a signing time (log integration) outside the leaf certificate's validity, if any. */
function expiryProblem(bundle: Bundle): string | undefined {
  const content = bundle.verificationMaterial.content;
  const der =
    content.$case === 'certificate' ? content.certificate.rawBytes : content.$case === 'x509CertificateChain' ? content.x509CertificateChain.certificates[0]?.rawBytes : undefined;
  if (!der) return undefined;
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(Buffer.from(der));
  } catch {
    return undefined;
  }
  const from = new Date(leaf.validFrom);
  const to = new Date(leaf.validTo);
  for (const entry of bundle.verificationMaterial.tlogEntries) {
    const t = new Date(Number(entry.integratedTime) * 1000);
    if (Number(entry.integratedTime) > 0 && (t < from || t > to)) {
      return `the signing certificate was valid from ${from.toISOString()} to ${to.toISOString()}, but the signature was logged at ${t.toISOString()}`;
    }
  }
  return undefined;
}

function firstLogFacts(bundle: Bundle): Pick<SigstoreVerified, 'logIndex' | 'integratedTime'> {
  const entry = bundle.verificationMaterial.tlogEntries[0];
  if (!entry) return {};
  const seconds = Number(entry.integratedTime);
  return {
    logIndex: entry.logIndex,
    ...(seconds > 0 ? { integratedTime: new Date(seconds * 1000).toISOString() } : {}),
  };
}

/**
 * Verifies a Sigstore bundle fully offline: certificate chain to a trusted Fulcio CA,
 * SCTs, transparency-log inclusion (SET and/or checkpoint + Merkle proof) and body,
 * RFC 3161 timestamps, the signature, then the identity and issuer.
 * Artifact binding (message digest, DSSE subjects) is the caller's job.
 */
export function verifySigstoreBundle(bundle: Bundle, options: SigstoreCheckOptions): SigstoreVerified {
  const { file, trustSource } = options;
  const isCertificate = bundle.verificationMaterial.content.$case !== 'publicKey';
  if (isCertificate && !options.identity) {
    throw new ModelsealError('USAGE_ERROR', 'a certificate-signed bundle needs a trusted identity and issuer', { file });
  }
  let signer;
  try {
    const entity = toSignedEntity(bundle);
    if (options.content) entity.signature = options.content;
    signer = new Verifier(options.trust).verify(entity);
  } catch (err) {
    if (err instanceof VerificationError && err.code === 'CERTIFICATE_ERROR') {
      const expired = expiryProblem(bundle);
      if (expired) throw new ModelsealError('CERTIFICATE_INVALID', expired, { file, cause: err });
    }
    throw fromSigstoreError(err, trustSource, file);
  }
  const identity = signer.identity?.subjectAlternativeName;
  const issuer = signer.identity?.extensions?.issuer;
  if (isCertificate && options.identity) {
    const want = options.identity;
    if (!matches(want.identity, identity)) {
      throw new ModelsealError('IDENTITY_MISMATCH', `signed by identity ${JSON.stringify(identity ?? '')}, not the trusted identity ${describeMatcher(want.identity)}`, { file });
    }
    if (!matches(want.issuer, issuer)) {
      throw new ModelsealError('IDENTITY_MISMATCH', `signed by identity ${JSON.stringify(identity)} from issuer ${JSON.stringify(issuer ?? '')}, not the trusted issuer ${describeMatcher(want.issuer)}`, { file });
    }
  }
  return {
    key: signer.key,
    ...(isCertificate ? { identity, issuer } : {}),
    ...firstLogFacts(bundle),
    tlogEntries: bundle.verificationMaterial.tlogEntries.length,
    rfc3161Timestamps: bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length ?? 0,
  };
}
