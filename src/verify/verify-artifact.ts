import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { DEFAULT_IGNORES } from '../digest/ignore';
import { hashTree, isDirectoryArtifact, type Manifest, type ProgressEvent, type Serialization } from '../digest/manifest';
import { normalizeIgnorePath } from '../digest/ignore';
import { walkArtifact, type ArtifactTree } from '../digest/walk';
import { readBundle, type SignatureBundle } from '../envelope/bundle';
import { loadPublicKey } from '../keys/load';
import type { PublicKeyInfo } from '../keys/key-types';
import { parseOmsStatement, parseShardName } from '../statement/oms';
import { parseStatement } from '../statement/statement';
import { defaultSignaturePath, signatureInside } from '../sign/signature-path';
import { describeDiff, diffResources, isEmptyDiff, type ManifestDiff } from './compare';
import { verifyEnvelope } from './dsse-verify';
import { checkNamedKey } from './named-key';

export interface VerifyOptions {
  /** Trusted public keys (key objects or PEM file paths); any one of them may have signed. */
  keys: ReadonlyArray<PublicKeyInfo | string> | PublicKeyInfo | string;
  /** The signature file (default: `<dir>/model.sig` or `<file>.sig`). */
  signature?: string;
  /** Extra paths to leave out of the comparison (relative to the artifact root). */
  ignorePaths?: string[];
  /** Do not fail on files present on disk but absent from the signature. */
  ignoreUnsignedFiles?: boolean;
  /** Skip model_signing's default ignores (.git, .gitattributes, .github, .gitignore). */
  noDefaultIgnores?: boolean;
  onProgress?: (event: ProgressEvent) => void;
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
}

function toKeys(keys: VerifyOptions['keys']): PublicKeyInfo[] {
  const list = Array.isArray(keys) ? keys : [keys];
  if (list.length === 0) throw new ModelsealError('USAGE_ERROR', 'no trusted public key was given');
  return list.map((k) => (typeof k === 'string' ? loadPublicKey(k) : (k as PublicKeyInfo)));
}

/** The walk for verification: signed ignores plus the caller's, symlink policy from the signature. */
function walkForVerify(artifact: string, signed: Serialization, signaturePath: string, options: VerifyOptions): ArtifactTree {
  const root = path.resolve(artifact);
  const ignores = new Set<string>();
  if (isDirectoryArtifact(root)) {
    if (!options.noDefaultIgnores) DEFAULT_IGNORES.forEach((p) => ignores.add(p));
    signed.ignorePaths.forEach((p) => ignores.add(p));
    for (const p of options.ignorePaths ?? []) ignores.add(normalizeIgnorePath(root, p));
    const inside = signatureInside(root, signaturePath);
    if (inside) ignores.add(inside);
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

function checkBundleMaterial(bundle: SignatureBundle, file: string): string | undefined {
  const m = bundle.material;
  if (m.kind !== 'publicKey') {
    throw new ModelsealError('UNSUPPORTED_MATERIAL', `is signed with ${m.kind === 'certificate' ? 'a Sigstore certificate' : 'an X.509 certificate chain'}; it cannot be verified with a public key`, { file });
  }
  if (bundle.tlogEntries.length > 0 || bundle.timestampVerificationData !== undefined) {
    throw new ModelsealError('UNSUPPORTED_MATERIAL', 'carries transparency-log entries or timestamps that key verification cannot check', { file });
  }
  return m.hint;
}

/**
 * Verifies an artifact against its OMS signature with trusted public keys: the DSSE
 * signature, the statement, the subject root digest, and the files on disk.
 * Throws a ModelsealError with a stable code on any refusal.
 */
export async function verifyArtifact(artifact: string, options: VerifyOptions): Promise<VerifyResult> {
  const keys = toKeys(options.keys);
  const signaturePath = path.resolve(options.signature ?? defaultSignaturePath(artifact));
  const bundle = readBundle(signaturePath);
  const hint = checkBundleMaterial(bundle, signaturePath);
  const signer = verifyEnvelope(bundle.envelope, keys, hint, signaturePath);
  checkNamedKey(bundle.material, signer, signaturePath);
  const oms = parseOmsStatement(parseStatement(bundle.envelope.payload, signaturePath), signaturePath);
  const signed = oms.manifest;

  const tree = walkForVerify(artifact, signed.serialization, signaturePath, options);
  alignSingleFileNames(tree, signed, artifact);
  if (options.ignoreUnsignedFiles) {
    const wanted = signedPaths(signed);
    tree.files = tree.files.filter((f) => wanted.has(f.name));
  }
  const actual = hashTree(tree, signed.serialization, options.onProgress);
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
    keyType: signer.type,
    keyHint: signer.hint,
  };
}
