import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError } from '../errors';
import type { Manifest, ProgressEvent } from '../digest/manifest';
import type { CoseClaims } from '../envelope/cose/sign1';
import type { PublicKeyInfo } from '../keys/key-types';
import { readStatementCollecting } from '../statement/oms';
import { defaultSignaturePath, type SignatureFormat } from '../sign/signature-path';
import { matchFiles, walkAheadOfSignature, type FilesMatch } from './match-files';
import type { WalkAhead } from '../digest/walk-ahead';
import { omsStatementOf, verifySignatureFile } from './signature-file';
import { type SigningMethod, type TrustedSigner, type VerifiedSigner } from './trusted-signer';

export interface VerifyOptions {
  /** Trusted public keys (key objects or PEM file paths); any one of them may have signed. */
  keys?: ReadonlyArray<PublicKeyInfo | string> | PublicKeyInfo | string;
  /** Trusted signers of any kind (keys, Sigstore identities, CA roots), in addition to `keys`. */
  signers?: readonly TrustedSigner[];
  /** The signature file, a bundle or COSE_Sign1 (default: `<dir>/model.sig` or `<file>.sig`, else `model.cose` / `<file>.cose`). */
  signature?: string;
  /** Extra paths to leave out of the comparison (relative to the artifact root). */
  ignorePaths?: string[];
  /** Do not fail on files present on disk but absent from the signature. */
  ignoreUnsignedFiles?: boolean;
  /** Skip model_signing's default ignores (.git, .gitattributes, .github, .gitignore). */
  noDefaultIgnores?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  /** Hashing threads (see DigestOptions.threads). */
  threads?: number;
  /** Check only this part of the signed resources (verify --part; the split of src/digest/partition.ts). */
  part?: { index: number; count: number };
}

export interface VerifyResult {
  verified: true;
  artifact: string;
  signature: string;
  rootDigest: string;
  subjectName: string;
  predicateType: string;
  /** The signed manifest, checked against the files on disk. */
  manifest: Manifest;
  /** What the files-vs-manifest check compared (all digests, or one part's with `part`). */
  checked: FilesMatch;
  keyType: PublicKeyInfo['type'];
  keyHint: string;
  /** Which envelope carried the statement. */
  format: SignatureFormat;
  /** SCITT issuer and subject (COSE_Sign1 only; informational, trust comes from the key). */
  claims?: CoseClaims;
  /** How it was signed: key, sigstore (keyless) or certificate (X.509 chain). */
  method: SigningMethod;
  /** Who signed: identity/issuer, log index and integrated time when the method has them. */
  signer: VerifiedSigner;
}

function toSigners(options: VerifyOptions): TrustedSigner[] {
  const keys = options.keys === undefined ? [] : Array.isArray(options.keys) ? options.keys : [options.keys];
  const signers: TrustedSigner[] = [...keys.map((key: PublicKeyInfo | string) => ({ kind: 'key' as const, key })), ...(options.signers ?? [])];
  if (signers.length === 0) throw new ModelsealError('USAGE_ERROR', 'no trusted signer was given (a public key, a Sigstore identity and issuer, or CA roots)');
  return signers;
}

/** Signatures from this size on (about 35,000 resources) have their artifact walked while they are read (internal; tests lower it). */
export const walkAheadFrom = { signatureBytes: 8 * 1024 * 1024 };

function signatureBytes(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** A walk of the artifact on a thread while its (large) signature is read; undefined for small ones or with threads 0. */
export function walkWhileReading(artifact: string, signaturePath: string, options: Pick<VerifyOptions, 'ignorePaths' | 'noDefaultIgnores' | 'threads'> = {}): WalkAhead | undefined {
  return options.threads !== 0 && signatureBytes(signaturePath) >= walkAheadFrom.signatureBytes ? walkAheadOfSignature(artifact, signaturePath, options) : undefined;
}

/** The bundle's default path, or the COSE one when only that exists. */
function defaultSignatureFor(artifact: string): string {
  const bundle = defaultSignaturePath(artifact, 'bundle');
  if (fs.existsSync(bundle)) return bundle;
  const cose = defaultSignaturePath(artifact, 'cose');
  return fs.existsSync(cose) ? cose : bundle;
}

/** The verified signature, its statement parsed; returning drops the payload (a dataset's is hundreds of MB). */
function readVerifiedStatement(signaturePath: string, signers: readonly TrustedSigner[]) {
  const { payload, signer, format, claims } = verifySignatureFile(signaturePath, signers);
  return { read: readStatementCollecting(payload, signaturePath), signer, format, claims };
}

/** The signed OMS statement, its resources checked once the payload is gone. */
function readSignedManifest(file: string, signers: readonly TrustedSigner[]) {
  const { read, signer, format, claims } = readVerifiedStatement(file, signers);
  return { oms: omsStatementOf(read, signer.method, file), signer, format, claims };
}

/**
 * Verifies an artifact against its OMS signature with trusted signers: the DSSE
 * or COSE_Sign1 signature, the statement, the subject root digest, and the files on disk.
 * Throws a ModelsealError with a stable code on any refusal.
 */
export async function verifyArtifact(artifact: string, options: VerifyOptions): Promise<VerifyResult> {
  const signers = toSigners(options);
  if (!fs.existsSync(artifact)) throw new ModelsealError('PATH_NOT_FOUND', 'no such file or directory', { file: artifact });
  const signaturePath = path.resolve(options.signature ?? defaultSignatureFor(artifact));
  // A dataset's signature takes seconds to read: its folder is walked meanwhile (on a thread: not with threads 0).
  const walkAhead = walkWhileReading(artifact, signaturePath, options);
  try {
    const { oms, signer, format, claims } = readSignedManifest(signaturePath, signers);
    const signed = oms.manifest;
    const checked = await matchFiles(artifact, signed, signaturePath, { ...options, walkAhead });
    return {
      verified: true,
      artifact: path.resolve(artifact),
      signature: signaturePath,
      rootDigest: signed.rootDigest,
      subjectName: oms.subjectName,
      predicateType: oms.predicateType,
      manifest: signed,
      checked,
      keyType: signer.keyType,
      keyHint: signer.keyHint,
      method: signer.method,
      signer,
      format,
      ...(claims ? { claims } : {}),
    };
  } finally {
    walkAhead?.cancel();
  }
}
