import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../envelope/dsse';
import type { PrivateKeyInfo } from '../keys/key-types';
import { signBytes } from '../keys/signature-algorithm';
import { serializeStatement, type Statement } from '../statement/statement';

/** Serializes an in-toto statement and signs its DSSE pre-authentication encoding. */
export function signInTotoStatement(statement: Statement<unknown>, key: PrivateKeyInfo): { payloadType: string; payload: Buffer; signature: Buffer } {
  const payload = serializeStatement(statement);
  return { payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signature: signBytes(key.type, key.key, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload)) };
}
