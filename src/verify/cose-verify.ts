import { ModelsealError } from '../errors';
import { algName, COSE_ALG } from '../envelope/cose/headers';
import { readCoseHeaders, type CoseHeaders } from '../envelope/cose/read-headers';
import { sigStructureParts, type CoseSign1 } from '../envelope/cose/sign1';
import { IN_TOTO_PAYLOAD_TYPE } from '../envelope/dsse';
import type { PublicKeyInfo } from '../keys/key-types';
import { verifyParts } from '../keys/signature-algorithm';

/**
 * Verifies a COSE_Sign1 message against trusted public keys and returns the key that
 * verified it with the checked headers. alg must be the one bound to the key type
 * (EdDSA/Ed25519, ES256/P-256, ES384/P-384, ES512/P-521); ECDSA signatures must be raw
 * r||s. kid is never trusted: every key of the right type is tried. The content type
 * is checked only after the signature, as for DSSE's payloadType.
 */
export function verifyCoseSign1(msg: CoseSign1, keys: readonly PublicKeyInfo[], file?: string): { signer: PublicKeyInfo; headers: CoseHeaders } {
  const headers = readCoseHeaders(msg, file);
  const given = keys.map((k) => `${k.type} ${k.hint.slice(0, 12)}…`).join(', ');
  const fitting = keys.filter((k) => COSE_ALG[k.type] === headers.alg);
  if (fitting.length === 0) {
    throw new ModelsealError('SIGNATURE_MISMATCH', `COSE_Sign1: alg ${algName(headers.alg)} does not match the given key (${given})`, { file });
  }
  const tbs = sigStructureParts(msg.protectedBytes, msg.payload);
  const signer = fitting.find((k) => verifyParts(k.type, k.key, tbs, msg.signature, 'ieee-p1363'));
  if (!signer) {
    const kid = headers.kid?.toString('hex');
    const named = kid && !keys.some((k) => k.hint === kid) ? ` (the message names key ${kid.slice(0, 12)}…)` : '';
    throw new ModelsealError('SIGNATURE_MISMATCH', `the COSE_Sign1 signature does not verify with the given key ${given}${named}`, { file });
  }
  if (headers.contentType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new ModelsealError('STATEMENT_INVALID', `COSE_Sign1 content type is ${JSON.stringify(headers.contentType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`, { file });
  }
  return { signer, headers };
}
