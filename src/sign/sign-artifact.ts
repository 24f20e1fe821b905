import * as path from 'node:path';
import { computeManifest, type DigestOptions, type Manifest } from '../digest/manifest';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../envelope/dsse';
import { serializeKeyBundle } from '../envelope/bundle';
import type { PrivateKeyInfo } from '../keys/key-types';
import { signBytes } from '../keys/signature-algorithm';
import { buildOmsStatement } from '../statement/oms';
import { serializeStatement, type Statement } from '../statement/statement';
import { checkOutputPath, writeFileAtomic } from '../util/atomic-write';
import { defaultSignaturePath, signatureInside } from './signature-path';
import { subjectNameOf } from './subject-name';

export interface SignOptions extends DigestOptions {
  key: PrivateKeyInfo;
  /** Where to write the signature (default: `<dir>/model.sig` or `<file>.sig`). */
  signature?: string;
  /** Replace an existing signature file. */
  force?: boolean;
}

export interface SignResult {
  artifact: string;
  signature: string;
  rootDigest: string;
  manifest: Manifest;
  keyType: PrivateKeyInfo['type'];
  keyHint: string;
}

/** Signs a key-method DSSE envelope over a statement and returns the bundle JSON text. */
export function signStatementWithKey(statement: Statement<unknown>, key: PrivateKeyInfo): string {
  const payload = serializeStatement(statement);
  const signature = signBytes(key.type, key.key, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload));
  return serializeKeyBundle({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signature }, key.publicKey.hint);
}

/** Hashes an artifact and writes its OMS v1.0 signature (a Sigstore bundle) atomically. */
export async function signArtifact(artifact: string, options: SignOptions): Promise<SignResult> {
  const signature = path.resolve(options.signature ?? defaultSignaturePath(artifact));
  checkOutputPath(signature, { force: options.force }); // fail before hashing, not after
  const inside = signatureInside(artifact, signature);
  const ignorePaths = [...(options.ignorePaths ?? []), ...(inside ? [inside] : [])];
  const manifest = await computeManifest(artifact, { ...options, ignorePaths });
  const bundle = signStatementWithKey(buildOmsStatement(manifest, subjectNameOf(artifact)), options.key);
  writeFileAtomic(signature, bundle, { force: options.force });
  return {
    artifact: path.resolve(artifact),
    signature,
    rootDigest: manifest.rootDigest,
    manifest,
    keyType: options.key.type,
    keyHint: options.key.publicKey.hint,
  };
}
