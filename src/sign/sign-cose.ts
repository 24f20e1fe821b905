import { COSE_ALG } from '../envelope/cose/headers';
import { coseSign1Parts, encodeProtectedHeader, sigStructureParts, type CoseClaims } from '../envelope/cose/sign1';
import { IN_TOTO_PAYLOAD_TYPE } from '../envelope/dsse';
import { signPartsWith, type SigningKey } from '../keys/signing-key';
import { serializeStatement, type Statement } from '../statement/statement';

/**
 * The SCITT claims of a statement unless given: issuer = the signing key's hint (hex),
 * subject = the statement's first subject name (the artifact's name), which stays the
 * same across versions so a transparency service files them under one feed.
 */
export function defaultCoseClaims(statement: Pick<Statement<unknown>, 'subject'>, key: SigningKey, claims: Partial<CoseClaims> = {}): CoseClaims {
  const first = statement.subject[0];
  const subject = claims.subject ?? (first?.name || (first?.digest?.sha256 ? `sha256:${first.digest.sha256}` : ''));
  return { issuer: claims.issuer ?? key.publicKey.hint, subject };
}

/**
 * Signs an in-toto statement as a tagged COSE_Sign1 message (RFC 9052): the payload is
 * the same statement bytes a bundle's DSSE envelope carries; kid is the 32 raw bytes
 * of the key hint; ECDSA signatures are raw r||s as COSE requires.
 */
export function signStatementCose(statement: Statement<unknown>, key: SigningKey, claims: Partial<CoseClaims> = {}): Buffer {
  return Buffer.concat(signPayloadCose(serializeStatement(statement), key, defaultCoseClaims(statement, key, claims)));
}

/**
 * signStatementCose over statement bytes already serialized (a large OMS statement, made
 * from the packed manifest); the message comes in parts around the payload, which is
 * neither copied to be signed nor to be written.
 */
export function signPayloadCose(payload: Buffer, key: SigningKey, claims: CoseClaims): Buffer[] {
  const protectedBytes = encodeProtectedHeader({
    alg: COSE_ALG[key.type],
    contentType: IN_TOTO_PAYLOAD_TYPE,
    kid: Buffer.from(key.publicKey.hint, 'hex'),
    claims,
  });
  const signature = signPartsWith(key, sigStructureParts(protectedBytes, payload), 'ieee-p1363');
  return coseSign1Parts(protectedBytes, payload, signature);
}
