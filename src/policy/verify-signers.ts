import { ModelsealError } from '../errors';
import type { SignatureBundle } from '../envelope/bundle';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../envelope/dsse';
import type { PublicKeyInfo } from '../keys/key-types';
import { verifyBytes } from '../keys/signature-algorithm';
import { checkNamedKey } from '../verify/named-key';
import { verifyBundleSigners, type TrustedSigner, type VerifiedSigner } from '../verify/trusted-signer';
import type { PolicySigner } from './policy-types';

export interface SignerMatch {
  signer: PolicySigner;
  /** The key that verified (key signers). */
  key?: PublicKeyInfo;
  /** Certificate signers: the identity, issuer and log details that verified. */
  verified?: VerifiedSigner;
}

/** The verifier's view of a policy signer that signs with certificates. */
function certificateSigner(s: Extract<PolicySigner, { kind: 'sigstore' | 'ca' }>): TrustedSigner {
  if (s.kind === 'ca') return { kind: 'ca', roots: s.roots, intermediates: s.intermediates, name: s.name };
  const identity = s.identityRegexp ? new RegExp(s.identity, 'u') : s.identity;
  return { kind: 'sigstore', identity, issuer: s.issuer, trustedRoot: s.trustedRoot, name: s.name };
}

/** Sigstore keyless and X.509-chain bundles: verified against the policy's certificate signers. */
function verifyCertificateBundle(bundle: SignatureBundle, signers: readonly PolicySigner[], file?: string): SignerMatch {
  const candidates = signers.filter((s): s is Extract<PolicySigner, { kind: 'sigstore' | 'ca' }> => s.kind !== 'key');
  const mapped = candidates.map(certificateSigner);
  const names = signers.map((s) => s.name).join(', ') || '(none)';
  if (mapped.length === 0) {
    const what = bundle.material.kind === 'certificate' ? 'a Sigstore (Fulcio) certificate' : 'an X.509 certificate chain';
    throw new ModelsealError('UNTRUSTED_SIGNER', `is signed with ${what}, but the signers allowed here (${names}) are public keys`, { file });
  }
  const verified = verifyBundleSigners(bundle, mapped, file);
  return { signer: candidates[mapped.indexOf(verified.trusted)], verified };
}

/**
 * Verifies a bundle's DSSE signature against a set of policy signers and returns
 * the one that signed it. This is the one place signer kinds are dispatched:
 * `key` signers are verified here; `sigstore` and `ca` signers by the certificate
 * verifier (Fulcio chain, Rekor entry, identity; or X.509 path to the CA roots).
 *
 * Fails closed: UNTRUSTED_SIGNER when no given signer could have signed it,
 * SIGNATURE_MISMATCH when the bundle names a given key but the signature is bad.
 * The payload is only trusted (payloadType checked) after the signature.
 */
export function verifyBundleAgainstSigners(bundle: SignatureBundle, signers: readonly PolicySigner[], file?: string): SignerMatch {
  const env = bundle.envelope;
  if (env.signatures.length !== 1) {
    throw new ModelsealError('BUNDLE_INVALID', `a Sigstore bundle carries exactly one DSSE signature, this one has ${env.signatures.length}`, { file });
  }
  if (bundle.material.kind !== 'publicKey') return verifyCertificateBundle(bundle, signers, file);
  const names = signers.map((s) => s.name).join(', ') || '(none)';
  if (bundle.tlogEntries.length > 0 || bundle.timestampVerificationData !== undefined) {
    throw new ModelsealError('UNSUPPORTED_MATERIAL', 'carries transparency-log entries or timestamps that key verification cannot check', { file });
  }
  const pae = preAuthEncoding(env.payloadType, env.payload);
  const sig = env.signatures[0].sig;
  let match: SignerMatch | undefined;
  for (const s of signers) {
    if (s.kind !== 'key') continue;
    const key = s.keys.find((k) => verifyBytes(k.type, k.key, pae, sig));
    if (key) {
      match = { signer: s, key };
      break;
    }
  }
  if (!match) {
    const hint = bundle.material.hint;
    const named = hint ? signers.find((s) => s.kind === 'key' && s.keys.some((k) => k.hint === hint)) : undefined;
    if (named) throw new ModelsealError('SIGNATURE_MISMATCH', `names the key of signer ${JSON.stringify(named.name)}, but the signature does not verify with it (tampered payload or signature)`, { file });
    const by = hint ? ` (key ${hint.slice(0, 12)}…)` : '';
    throw new ModelsealError('UNTRUSTED_SIGNER', `is signed by a key${by} that none of the trusted signers holds (${names})`, { file });
  }
  checkNamedKey(bundle.material, match.key as PublicKeyInfo, file);
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new ModelsealError('STATEMENT_INVALID', `payloadType is ${JSON.stringify(env.payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`, { file });
  }
  return match;
}
