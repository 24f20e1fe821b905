import { ModelsealError } from '../errors';
import { parseBundle, type SignatureBundle } from '../envelope/bundle';
import { looksLikeCose } from '../envelope/cose/detect';
import type { CoseClaims } from '../envelope/cose/sign1';
import { parseCoseSign1 } from '../envelope/cose/sign1';
import { MAX_BUNDLE_BYTES, parseJson, readBoundedFile } from '../envelope/read-json';
import type { PublicKeyInfo } from '../keys/key-types';
import type { SignatureFormat } from '../sign/signature-path';
import { verifyCoseSign1 } from './cose-verify';
import { verifyEnvelope } from './dsse-verify';

/** A signature file whose envelope verified: from here on the format no longer matters. */
export interface VerifiedSignature {
  format: SignatureFormat;
  /** The exact signed statement bytes. */
  payload: Buffer;
  signer: PublicKeyInfo;
  /** The SCITT issuer and subject of a COSE_Sign1 signed statement. */
  claims?: CoseClaims;
}

function checkBundleMaterial(bundle: SignatureBundle, file: string): string | undefined {
  const m = bundle.material;
  if (m.kind !== 'publicKey') {
    throw new ModelsealError('UNSUPPORTED_MATERIAL', `is signed with ${m.kind === 'certificate' ? 'a Sigstore certificate' : 'an X.509 certificate chain'}; it cannot be verified with a public key`, { file });
  }
  if (bundle.tlogEntries.length > 0 || bundle.timestampVerificationData !== undefined) {
    throw new ModelsealError('UNSUPPORTED_MATERIAL', 'carries transparency-log entries or timestamps that key verification cannot check', { file });
  }
  return m.hint;
}

/**
 * Reads a signature file, tells a COSE_Sign1 message from a Sigstore bundle (by the
 * `.cose` extension or a leading CBOR byte), and verifies its envelope with trusted keys.
 */
export function verifySignatureFile(file: string, keys: readonly PublicKeyInfo[]): VerifiedSignature {
  const bytes = readBoundedFile(file, MAX_BUNDLE_BYTES, { notFound: 'SIGNATURE_NOT_FOUND', tooLarge: 'BUNDLE_INVALID' });
  if (looksLikeCose(file, bytes)) {
    const msg = parseCoseSign1(bytes, file);
    const { signer, headers } = verifyCoseSign1(msg, keys, file);
    return { format: 'cose', payload: msg.payload, signer, claims: headers.claims };
  }
  const bundle = parseBundle(parseJson(bytes, file, 'BUNDLE_INVALID', 'the signature file'), file);
  const signer = verifyEnvelope(bundle.envelope, keys, checkBundleMaterial(bundle, file), file);
  return { format: 'bundle', payload: bundle.envelope.payload, signer };
}
