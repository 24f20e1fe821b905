import { createHash } from 'node:crypto';
import { ModelsealError } from '../errors';
import { parseBundleContent, type SignatureBundle } from '../envelope/bundle';
import { readSignatureFileContent } from '../envelope/bundle-file';
import { looksLikeCose } from '../envelope/cose/detect';
import type { CoseClaims } from '../envelope/cose/sign1';
import { parseCoseSign1 } from '../envelope/cose/sign1';
import { loadPublicKey } from '../keys/load';
import type { PublicKeyInfo } from '../keys/key-types';
import type { SignatureFormat } from '../sign/signature-path';
import { verifyCoseSign1 } from './cose-verify';
import { LEGACY_PREDICATE_TYPE, parseLegacyDigestsStatement } from '../statement/oms-legacy';
import { parseOmsStatement, readStatementCollecting, type OmsStatement, type ResourceCollector } from '../statement/oms';
import { parseStatement, type Statement } from '../statement/statement';
import { verifyBundleSigners, type SigningMethod, type TrustedSigner, type VerifiedSigner } from './trusted-signer';

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

/** A signature file read as verifySignatureFile reads it, but NOT verified: what it carries and how it says it was signed. */
export interface UnverifiedSignature {
  format: SignatureFormat;
  payload: Buffer;
  method: SigningMethod;
  /** SHA-256 of the file's bytes as read. */
  fileSha256: string;
  /** The JSON bundle (absent for COSE_Sign1). */
  bundle?: SignatureBundle;
}

export function readUnverifiedSignature(file: string): UnverifiedSignature {
  const content = readSignatureFileContent(file, { isCose: (firstBytes) => looksLikeCose(file, firstBytes), sha256: true });
  const fileSha256 = content.sha256 as string;
  if (content.kind === 'cose') return { format: 'cose', payload: parseCoseSign1(content.bytes, file).payload, method: 'key', fileSha256 };
  const bundle = parseBundleContent(content, file);
  const method = bundle.material.kind === 'publicKey' ? 'key' : bundle.material.kind === 'x509CertificateChain' ? 'certificate' : 'sigstore';
  return { format: 'bundle', payload: bundle.envelope.payload, method, fileSha256, bundle };
}

/**
 * What an unverified signature file says, read once: its statement and, for a model
 * signature, the OMS statement verify would read from it. The payload is not kept (a
 * dataset's is hundreds of MB, and lineage walks the files after reading it): whoever
 * verifies the signature reads the file again and must find the same bytes (`fileSha256`).
 */
export interface SignatureFileSummary {
  format: SignatureFormat;
  /** How the file says it was signed (not verified). */
  method: SigningMethod;
  fileSha256: string;
  /** The statement, its predicate.resources left out (they are in `oms`). */
  statement: Statement;
  /** Bundles only: SHA-256 of the payload type, payload and first signature (the same envelope in files laid out otherwise). */
  envelopeSha256?: string;
  /** The OMS statement, or why the file holds none that verify would accept; absent when its resources were skipped. */
  oms?: OmsStatement | ModelsealError;
  /** What `verifyBundle` made of the bundle, while its payload was in memory: its result, or the error it threw. */
  verification?: { value: unknown } | { error: unknown };
}

export interface SummaryOptions {
  /** Only classify the file: its resources are parsed and dropped, nothing per resource is kept (files that may never be used). */
  skipResources?: boolean;
  /**
   * Verifies the bundle in the same read (a verifier that will need it): the file is not
   * read again to be verified. Given the statement, it may return undefined to leave one
   * it will not use this way unverified.
   */
  verifyBundle?: (bundle: SignatureBundle, file: string, statement: Statement) => unknown;
}

export function readSignatureFileSummary(file: string, options: SummaryOptions = {}): SignatureFileSummary {
  const { read, ...summary } = collectSignatureFile(file, options);
  if (!read.collector) return { ...summary, statement: read.statement };
  // The payload is out of reach from here: the resources are checked without it in memory.
  let oms: OmsStatement | ModelsealError;
  try {
    oms = omsStatementOf({ statement: read.statement, collector: read.collector }, summary.method, file);
  } catch (err) {
    if (!(err instanceof ModelsealError)) throw err;
    oms = err;
  }
  return { ...summary, statement: read.statement, oms };
}

function collectSignatureFile(file: string, options: SummaryOptions) {
  const { format, method, fileSha256, payload, bundle } = readUnverifiedSignature(file);
  const env = bundle?.envelope;
  const envelopeSha256 = env ? createHash('sha256').update(env.payloadType).update('\0').update(payload).update('\0').update(env.signatures[0]?.sig ?? Buffer.alloc(0)).digest('hex') : undefined;
  const read: { statement: Statement; collector?: ResourceCollector } = options.skipResources
    ? { statement: parseStatement(payload, file, { path: ['predicate', 'resources'], onItem: () => undefined }) }
    : readStatementCollecting(payload, file);
  let verification: SignatureFileSummary['verification'];
  if (bundle && options.verifyBundle) {
    try {
      const value = options.verifyBundle(bundle, file, read.statement);
      if (value !== undefined) verification = { value };
    } catch (error) {
      verification = { error };
    }
  }
  return { format, method, fileSha256, ...(envelopeSha256 ? { envelopeSha256 } : {}), ...(verification ? { verification } : {}), read };
}

/**
 * A signed statement (as readStatementCollecting read it) as an OMS model signature;
 * model_signing v0.2's `Digests/v0.1` only in the certificate bundles it wrote. `verify`
 * reads verified payloads with it, and an artifact's own (unverified) signature is read the
 * same way. Taking the parsed statement, not the payload, lets callers drop the payload
 * (a dataset's is hundreds of MB) before the resources are checked.
 */
export function omsStatementOf(read: { statement: Statement; collector: ResourceCollector }, method: SigningMethod, file: string): OmsStatement {
  if (read.statement.predicateType !== LEGACY_PREDICATE_TYPE) return parseOmsStatement(read.statement, file, read.collector);
  if (method !== 'certificate') {
    throw new ModelsealError('STATEMENT_INVALID', `a ${LEGACY_PREDICATE_TYPE} statement is accepted only in an X.509 certificate bundle (model_signing v0.2 wrote no others); this one is signed by ${method}`, { file });
  }
  return parseLegacyDigestsStatement(read.statement, file);
}

/** The statement of an unverified signature file (an artifact's own signature), read as verify reads a verified one. */
export function readUnverifiedStatement(file: string): OmsStatement {
  const { oms } = readSignatureFileSummary(file);
  if (oms instanceof ModelsealError) throw oms;
  return oms as OmsStatement;
}
