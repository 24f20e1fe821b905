import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { DEFAULT_IGNORES } from '../digest/ignore';
import { hashTree, isDirectoryArtifact, type Manifest, type ProgressEvent, type Serialization } from '../digest/manifest';
import { normalizeIgnorePath } from '../digest/ignore';
import { walkArtifact, type ArtifactTree } from '../digest/walk';
import type { CoseClaims } from '../envelope/cose/sign1';
import type { PublicKeyInfo } from '../keys/key-types';
import { parseOmsStatement, parseShardName } from '../statement/oms';
import { LEGACY_PREDICATE_TYPE, parseLegacyDigestsStatement } from '../statement/oms-legacy';
import { parseStatement } from '../statement/statement';
import { defaultSignaturePath, signatureIgnores, type SignatureFormat } from '../sign/signature-path';
import { describeDiff, diffResources, isEmptyDiff, type ManifestDiff } from './compare';
import { verifySignatureFile } from './signature-file';
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

/** The walk for verification: signed ignores plus the caller's, symlink policy from the signature. */
function walkForVerify(artifact: string, signed: Serialization, signaturePath: string, options: VerifyOptions): ArtifactTree {
  const root = path.resolve(artifact);
  const ignores = new Set<string>();
  if (isDirectoryArtifact(root)) {
    if (!options.noDefaultIgnores) DEFAULT_IGNORES.forEach((p) => ignores.add(p));
    signed.ignorePaths.forEach((p) => ignores.add(p));
    for (const p of options.ignorePaths ?? []) ignores.add(normalizeIgnorePath(root, p));
    signatureIgnores(root, signaturePath).forEach((p) => ignores.add(p));
  }
  return walkArtifact(root, { ignores, allowSymlinks: signed.allowSymlinks });
}

/** A single-file artifact is "." to us; signers name it "." (Python) or by its base name (Go, OMS spec). */
function alignSingleFileNames(tree: ArtifactTree, signed: Manifest, artifact: string): void {
  if (!tree.singleFile) return;
  const names = new Set([path.basename(path.resolve(artifact)), path.basename(tree.root)]);
  const first = signed.resources[0]?.name ?? '.';
  const signedPath = signed.serialization.method === 'shards' ? (parseShardName(first)?.path ?? first) : first;
  if (names.has(signedPath)) tree.files[0].name = signedPath;
}

function signedPaths(signed: Manifest): Set<string> {
  if (signed.serialization.method === 'files') return new Set(signed.resources.map((r) => r.name));
  return new Set(signed.resources.map((r) => (parseShardName(r.name) as { path: string }).path));
}

/** The bundle's default path, or the COSE one when only that exists. */
function defaultSignatureFor(artifact: string): string {
  const bundle = defaultSignaturePath(artifact, 'bundle');
  if (fs.existsSync(bundle)) return bundle;
  const cose = defaultSignaturePath(artifact, 'cose');
  return fs.existsSync(cose) ? cose : bundle;
}

function parseSignedStatement(payload: Buffer, file: string) {
  const statement = parseStatement(payload, file);
  return statement.predicateType === LEGACY_PREDICATE_TYPE ? parseLegacyDigestsStatement(statement, file) : parseOmsStatement(statement, file);
}

/**
 * Verifies an artifact against its OMS signature with trusted signers: the DSSE
 * or COSE_Sign1 signature, the statement, the subject root digest, and the files on disk.
 * Throws a ModelsealError with a stable code on any refusal.
 */
export async function verifyArtifact(artifact: string, options: VerifyOptions): Promise<VerifyResult> {
  const signers = toSigners(options);
  const signaturePath = path.resolve(options.signature ?? defaultSignatureFor(artifact));
  const { payload, signer, format, claims } = verifySignatureFile(signaturePath, signers);
  const oms = parseSignedStatement(payload, signaturePath);
  const signed = oms.manifest;

  const tree = walkForVerify(artifact, signed.serialization, signaturePath, options);
  alignSingleFileNames(tree, signed, artifact);
  if (options.ignoreUnsignedFiles) {
    const wanted = signedPaths(signed);
    tree.files = tree.files.filter((f) => wanted.has(f.name));
  }
  const actual = await hashTree(tree, signed.serialization, { onProgress: options.onProgress, threads: options.threads });
  const diff: ManifestDiff = diffResources(signed.resources, actual.resources);
  if (options.ignoreUnsignedFiles) diff.extra = [];
  if (!isEmptyDiff(diff)) {
    throw new ModelsealError('ARTIFACT_MISMATCH', `does not match its signature: ${describeDiff(diff)}`, { file: artifact, details: diff });
  }
  return {
    verified: true,
    artifact: path.resolve(artifact),
    signature: signaturePath,
    rootDigest: signed.rootDigest,
    subjectName: oms.subjectName,
    predicateType: oms.predicateType,
    manifest: signed,
    keyType: signer.keyType,
    keyHint: signer.keyHint,
    method: signer.method,
    signer,
    format,
    ...(claims ? { claims } : {}),
  };
}
