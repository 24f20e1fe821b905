import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../envelope/dsse';
import { signWith, type SigningKey } from '../keys/signing-key';
import { serializeStatement, type Statement } from '../statement/statement';

/** Serializes an in-toto statement and signs its DSSE pre-authentication encoding. */
export function signInTotoStatement(statement: Statement<unknown>, key: SigningKey): { payloadType: string; payload: Buffer; signature: Buffer } {
  return signInTotoPayload(serializeStatement(statement), key);
}

/** Signs in-toto payload bytes as they are (their DSSE pre-authentication encoding). */
export function signInTotoPayload(payload: Buffer, key: SigningKey): { payloadType: string; payload: Buffer; signature: Buffer } {
  return { payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signature: signWith(key, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload)) };
}
