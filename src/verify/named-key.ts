import { createPublicKey, type KeyObject } from 'node:crypto';
import { ModelsealError } from '../errors';
import type { VerificationMaterial } from '../envelope/bundle';
import type { PublicKeyInfo } from '../keys/key-types';

function keyFromRawBytes(raw: Buffer): KeyObject | null {
  // model_signing <= 1.0.1 stores the PEM text; the Sigstore bundle spec says DER SPKI.
  for (const attempt of [() => createPublicKey({ key: raw.toString('utf8'), format: 'pem' }), () => createPublicKey({ key: raw, format: 'der', type: 'spki' })]) {
    try {
      return attempt();
    } catch {
      // try the next form
    }
  }
  return null;
}

/**
 * The key a bundle names (hint or rawBytes) is never used to choose whom to trust, but
 * when present it must be the trusted key that verified the signature, as model_signing
 * checks too: a bundle naming one key and signed by another was assembled by someone.
 */
export function checkNamedKey(material: VerificationMaterial, signer: PublicKeyInfo, file?: string): void {
  if (material.kind !== 'publicKey') return;
  if (material.hint !== undefined && material.hint !== '' && material.hint !== signer.hint) {
    throw new ModelsealError('BUNDLE_INVALID', `names key ${JSON.stringify(material.hint.slice(0, 64))} but was signed by trusted key ${signer.hint.slice(0, 12)}…: the bundle is inconsistent`, { file });
  }
  if (material.rawBytes !== undefined) {
    const named = keyFromRawBytes(material.rawBytes);
    const want = signer.key.export({ type: 'spki', format: 'der' });
    if (!named || !named.export({ type: 'spki', format: 'der' }).equals(want)) {
      throw new ModelsealError('BUNDLE_INVALID', `publicKey.rawBytes is not the trusted key ${signer.hint.slice(0, 12)}… that verified the signature`, { file });
    }
  }
}
