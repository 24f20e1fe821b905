import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../envelope/dsse';
import { signWith, type SigningKey } from '../keys/signing-key';
import { serializeStatement, type Statement } from '../statement/statement';

/** Serializes an in-toto statement and signs its DSSE pre-authentication encoding. */
export function signInTotoStatement(statement: Statement<unknown>, key: SigningKey): { payloadType: string; payload: Buffer; signature: Buffer } {
  const payload = serializeStatement(statement);
  return { payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signature: signWith(key, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload)) };
}
