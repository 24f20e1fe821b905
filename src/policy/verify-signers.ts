import { ModelsealError } from '../errors';
import type { SignatureBundle } from '../envelope/bundle';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../envelope/dsse';
import type { PublicKeyInfo } from '../keys/key-types';
import { verifyBytes } from '../keys/signature-algorithm';
import type { TrustedSigner } from './policy-types';

export interface SignerMatch {
  signer: TrustedSigner;
  /** The key that verified (key signers). */
  key?: PublicKeyInfo;
}

function materialName(bundle: SignatureBundle): string {
  return bundle.material.kind === 'certificate' ? 'a Sigstore (Fulcio) certificate' : bundle.material.kind === 'x509CertificateChain' ? 'an X.509 certificate chain' : 'a public key';
}

/**
 * Verifies a bundle's DSSE signature against a set of policy signers and returns
 * the one that signed it. This is the one place signer kinds are dispatched:
 * `key` signers are verified here; `sigstore` and `ca` signers are refused with
 * UNSUPPORTED_MATERIAL until certificate verification is wired in (issue 4).
 *
 * Fails closed: UNTRUSTED_SIGNER when no given signer could have signed it,
 * SIGNATURE_MISMATCH when the bundle names a given key but the signature is bad.
 * The payload is only trusted (payloadType checked) after the signature.
 */
export function verifyBundleAgainstSigners(bundle: SignatureBundle, signers: readonly TrustedSigner[], file?: string): SignerMatch {
  const env = bundle.envelope;
  if (env.signatures.length !== 1) {
    throw new ModelsealError('BUNDLE_INVALID', `a Sigstore bundle carries exactly one DSSE signature, this one has ${env.signatures.length}`, { file });
  }
  const names = signers.map((s) => s.name).join(', ') || '(none)';
  if (bundle.material.kind !== 'publicKey') {
    if (signers.some((s) => s.kind === 'sigstore' || s.kind === 'ca')) {
      throw new ModelsealError('UNSUPPORTED_MATERIAL', `is signed with ${materialName(bundle)}; policy verification of Sigstore and CA signers is not available yet`, { file });
    }
    throw new ModelsealError('UNTRUSTED_SIGNER', `is signed with ${materialName(bundle)}, but the signers allowed here (${names}) are public keys`, { file });
  }
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
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new ModelsealError('STATEMENT_INVALID', `payloadType is ${JSON.stringify(env.payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`, { file });
  }
  return match;
}
