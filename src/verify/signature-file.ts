import { ModelsealError } from '../errors';
import { parseBundleContent } from '../envelope/bundle';
import { readSignatureFileContent } from '../envelope/bundle-file';
import { looksLikeCose } from '../envelope/cose/detect';
import type { CoseClaims } from '../envelope/cose/sign1';
import { parseCoseSign1 } from '../envelope/cose/sign1';
import { loadPublicKey } from '../keys/load';
import type { PublicKeyInfo } from '../keys/key-types';
import type { SignatureFormat } from '../sign/signature-path';
import { verifyCoseSign1 } from './cose-verify';
import { verifyBundleSigners, type TrustedSigner, type VerifiedSigner } from './trusted-signer';

/** A signature file whose envelope verified: from here on the format no longer matters. */
export interface VerifiedSignature {
  format: SignatureFormat;
  /** The exact signed statement bytes. */
  payload: Buffer;
  signer: VerifiedSigner;
  /** The SCITT issuer and subject of a COSE_Sign1 signed statement. */
  claims?: CoseClaims;
}

/** COSE_Sign1 messages carry no certificates: only trusted keys can verify them. */
function verifyCose(bytes: Buffer, signers: readonly TrustedSigner[], file: string): VerifiedSignature {
  const keySigners = signers.filter((s): s is Extract<TrustedSigner, { kind: 'key' }> => s.kind === 'key');
  if (keySigners.length === 0) throw new ModelsealError('UNTRUSTED_SIGNER', 'is a COSE_Sign1 message, which is verified with a public key (--key)', { file });
  const keys: PublicKeyInfo[] = keySigners.map((s) => (typeof s.key === 'string' ? loadPublicKey(s.key) : s.key));
  const msg = parseCoseSign1(bytes, file);
  const { signer, headers } = verifyCoseSign1(msg, keys, file);
  const trusted = keySigners[keys.indexOf(signer)];
  return { format: 'cose', payload: msg.payload, signer: { method: 'key', trusted, keyType: signer.type, keyHint: signer.hint }, claims: headers.claims };
}

/**
 * Reads a signature file, tells a COSE_Sign1 message from a Sigstore bundle (by the
 * `.cose` extension or a leading CBOR byte), and verifies its envelope with the
 * trusted signers. Returns the signed statement bytes and who signed them.
 */
export function verifySignatureFile(file: string, signers: readonly TrustedSigner[]): VerifiedSignature {
  const content = readSignatureFileContent(file, { isCose: (firstBytes) => looksLikeCose(file, firstBytes) });
  if (content.kind === 'cose') return verifyCose(content.bytes, signers, file);
  const bundle = parseBundleContent(content, file);
  return { format: 'bundle', payload: bundle.envelope.payload, signer: verifyBundleSigners(bundle, signers, file) };
}
