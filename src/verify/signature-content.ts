import { createHash, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type { SignedEntity } from '@sigstore/verify';

type SignatureContent = SignedEntity['signature'];
import { preAuthEncoding } from '../envelope/dsse';
import { keyTypeOf } from '../keys/load';
import { verifyBytes } from '../keys/signature-algorithm';
import { verifyLegacyPreAuth } from './legacy-pae';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();

function verifyWithKey(key: KeyObject, data: Uint8Array, sig: Uint8Array): boolean {
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    try {
      return nodeVerify('sha256', data, key, sig);
    } catch {
      return false;
    }
  }
  let type;
  try {
    type = keyTypeOf(key);
  } catch {
    return false;
  }
  return verifyBytes(type, key, data, sig);
}

export interface DsseParts {
  payloadType: string;
  payload: Buffer;
  sig: Buffer;
}

/**
 * DSSE signature content for @sigstore/verify, replacing its own:
 * - the ECDSA hash follows the key's curve (3.1 lets OpenSSL default to SHA-256,
 *   so P-384/P-521 envelopes never verify);
 * - a Rekor v2 `hashedrekord` 0.0.2 entry logs a DSSE envelope as sha256(PAE), which
 *   3.1 does not know (conformance `rekor2-dsse-happy-path`); the payload hash used by
 *   `dsse`/`intoto` entries is still accepted;
 * - optionally, model_signing v0.2.0's malformed PAE (see legacy-pae.ts).
 */
export class DsseSignatureContent implements SignatureContent {
  readonly signature: Buffer;
  private readonly pae: Buffer;
  /** Set when the signature verified only over the legacy v0.2.0 encoding. */
  usedLegacyPae = false;

  constructor(
    private readonly parts: DsseParts,
    private readonly allowLegacyPae = false,
  ) {
    this.signature = parts.sig;
    this.pae = preAuthEncoding(parts.payloadType, parts.payload);
  }

  compareDigest(digest: Buffer): boolean {
    return digest.equals(sha256(this.parts.payload)) || digest.equals(sha256(this.pae));
  }

  compareSignature(signature: Buffer): boolean {
    return signature.equals(this.signature);
  }

  verifySignature(key: KeyObject): boolean {
    if (verifyWithKey(key, this.pae, this.signature)) return true;
    if (!this.allowLegacyPae || key.asymmetricKeyType !== 'ec') return false;
    try {
      this.usedLegacyPae = verifyLegacyPreAuth(this.parts.payloadType, this.parts.payload, key, this.signature);
    } catch {
      this.usedLegacyPae = false;
    }
    return this.usedLegacyPae;
  }
}

/**
 * Message-signature content when only the artifact's digest is known (conformance
 * DIGEST mode): the digest stands for the artifact and ECDSA is verified prehashed.
 */
export class PrehashedMessageContent implements SignatureContent {
  constructor(
    readonly signature: Buffer,
    private readonly digest: Buffer,
  ) {}

  compareDigest(digest: Buffer): boolean {
    return digest.equals(this.digest);
  }

  compareSignature(signature: Buffer): boolean {
    return signature.equals(this.signature);
  }

  verifySignature(key: KeyObject): boolean {
    // @noble/curves (prehashed ECDSA) only for this conformance mode: start-up, issue 16.
    const { verifyEcdsaPrehashed } = require('./ecdsa-prehash') as typeof import('./ecdsa-prehash');
    return verifyEcdsaPrehashed(key, this.digest, this.signature);
  }
}
