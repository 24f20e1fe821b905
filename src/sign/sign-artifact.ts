import * as path from 'node:path';
import { computeManifest, type DigestOptions, type Manifest } from '../digest/manifest';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../envelope/dsse';
import { serializeKeyBundle } from '../envelope/bundle';
import type { PrivateKeyInfo } from '../keys/key-types';
import { signBytes } from '../keys/signature-algorithm';
import { buildOmsStatement } from '../statement/oms';
import { serializeStatement, type Statement } from '../statement/statement';
import { writeFileAtomic } from '../util/atomic-write';
import type { CoseClaims } from '../envelope/cose/sign1';
import { ModelsealError } from '../errors';
import { defaultSignaturePath, signatureIgnores, type SignatureFormat } from './signature-path';
import { signStatementCose } from './sign-cose';
import { subjectNameOf } from './subject-name';

export interface SignOptions extends DigestOptions {
  key: PrivateKeyInfo;
  /** Where to write the signature (default: `<dir>/model.sig` or `<file>.sig`). */
  signature?: string;
  /** Replace an existing signature file. */
  force?: boolean;
  /** `bundle` (default): an OMS Sigstore bundle; `cose`: a COSE_Sign1 signed statement. */
  format?: SignatureFormat;
  /** SCITT claims for `cose` (defaults: issuer = key hint, subject = artifact name). */
  claims?: Partial<CoseClaims>;
}

export interface SignResult {
  artifact: string;
  signature: string;
  rootDigest: string;
  manifest: Manifest;
  keyType: PrivateKeyInfo['type'];
  keyHint: string;
  format: SignatureFormat;
}

/** Signs a key-method DSSE envelope over a statement and returns the bundle JSON text. */
export function signStatementWithKey(statement: Statement<unknown>, key: PrivateKeyInfo): string {
  const payload = serializeStatement(statement);
  const signature = signBytes(key.type, key.key, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload));
  return serializeKeyBundle({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signature }, key.publicKey.hint);
}

/** Hashes an artifact and writes its OMS v1.0 signature (a Sigstore bundle or COSE_Sign1) atomically. */
export async function signArtifact(artifact: string, options: SignOptions): Promise<SignResult> {
  const format = options.format ?? 'bundle';
  if (format !== 'cose' && options.claims && Object.keys(options.claims).length > 0) {
    throw new ModelsealError('USAGE_ERROR', 'issuer and subject claims apply only to the cose format');
  }
  const signature = path.resolve(options.signature ?? defaultSignaturePath(artifact, format));
  const ignorePaths = [...(options.ignorePaths ?? []), ...signatureIgnores(artifact, signature)];
  const manifest = await computeManifest(artifact, { ...options, ignorePaths });
  const statement = buildOmsStatement(manifest, subjectNameOf(artifact));
  const output = format === 'cose' ? signStatementCose(statement, options.key, options.claims) : signStatementWithKey(statement, options.key);
  writeFileAtomic(signature, output, { force: options.force });
  return {
    artifact: path.resolve(artifact),
    signature,
    rootDigest: manifest.rootDigest,
    manifest,
    keyType: options.key.type,
    keyHint: options.key.publicKey.hint,
    format,
  };
}
