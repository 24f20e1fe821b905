import { ModelsealError } from '../errors';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding, type DsseEnvelope } from '../envelope/dsse';
import type { PublicKeyInfo } from '../keys/key-types';
import { verifyBytes } from '../keys/signature-algorithm';

/**
 * Verifies a single-signature DSSE envelope against trusted public keys and returns
 * the key that verified it. The key hint is never trusted: every key is tried.
 * The payload type is checked only after the signature, as DSSE requires.
 */
export function verifyEnvelope(envelope: DsseEnvelope, keys: readonly PublicKeyInfo[], hint: string | undefined, file?: string): PublicKeyInfo {
  if (envelope.signatures.length !== 1) {
    throw new ModelsealError('BUNDLE_INVALID', `a Sigstore bundle carries exactly one DSSE signature, this one has ${envelope.signatures.length}`, { file });
  }
  const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
  const sig = envelope.signatures[0].sig;
  const signer = keys.find((k) => verifyBytes(k.type, k.key, pae, sig));
  if (!signer) {
    const given = keys.map((k) => k.hint.slice(0, 12)).join(', ');
    const named = hint && !keys.some((k) => k.hint === hint) ? ` (the bundle names key ${hint.slice(0, 12)}…)` : '';
    throw new ModelsealError('SIGNATURE_MISMATCH', `the signature does not verify with the given key ${given}…${named}`, { file });
  }
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new ModelsealError('STATEMENT_INVALID', `payloadType is ${JSON.stringify(envelope.payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`, { file });
  }
  return signer;
}
