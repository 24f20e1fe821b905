import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import { toSignedEntity } from '@sigstore/verify';
import { ModelsealError } from '../errors';
import { parseJson, readBoundedFile, maxBundleBytes } from '../envelope/read-json';
import { DsseSignatureContent, PrehashedMessageContent } from '../verify/signature-content';
import { verifySigstoreBundle, type SigstoreVerified } from '../verify/sigstore-verify';
import { loadTrustedRoot, trustMaterialFor } from '../verify/trust-root';

export interface VerifyBundleRequest {
  bundle: string;
  /** Exact certificate identity and OIDC issuer (keyless). */
  identity?: string;
  issuer?: string;
  /** PEM public key (managed-key bundles). */
  key?: string;
  trustedRoot?: string;
  staging?: boolean;
  /** A file path, or `sha256:<hex>` of the artifact (DIGEST mode). */
  input: string;
}

type Input = { kind: 'path'; bytes: Buffer; sha256: Buffer } | { kind: 'digest'; sha256: Buffer };

const MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;

/** The protocol's rule: `sha256:<64 hex>` that is not an existing path is a digest. */
export function readInput(input: string): Input {
  if (/^sha256:[0-9a-fA-F]{64}$/.test(input) && !fs.existsSync(input)) {
    return { kind: 'digest', sha256: Buffer.from(input.slice(7), 'hex') };
  }
  const bytes = readBoundedFile(input, MAX_ARTIFACT_BYTES);
  return { kind: 'path', bytes, sha256: createHash('sha256').update(bytes).digest() };
}

const NODE_HASH: Partial<Record<HashAlgorithm, string>> = {
  [HashAlgorithm.SHA2_256]: 'sha256',
  [HashAlgorithm.SHA2_384]: 'sha384',
  [HashAlgorithm.SHA2_512]: 'sha512',
};

function refuse(message: string, file: string): ModelsealError {
  return new ModelsealError('ARTIFACT_MISMATCH', message, { file });
}

/** The signature content for a message signature, binding the bundle's digest to the artifact. */
function messageContent(bundle: Bundle, input: Input, file: string) {
  if (bundle.content.$case !== 'messageSignature') throw new Error('unreachable');
  const ms = bundle.content.messageSignature;
  const declared = ms.messageDigest;
  if (input.kind === 'digest') {
    if (!declared || declared.algorithm !== HashAlgorithm.SHA2_256 || !Buffer.from(declared.digest).equals(input.sha256)) {
      throw refuse('the bundle\'s message digest is not the given sha256 digest', file);
    }
    return new PrehashedMessageContent(Buffer.from(ms.signature), input.sha256);
  }
  if (declared) {
    const alg = NODE_HASH[declared.algorithm];
    if (!alg) throw new ModelsealError('UNSUPPORTED_ALGORITHM', `message digest algorithm ${declared.algorithm} is not supported`, { file });
    if (!createHash(alg).update(input.bytes).digest().equals(Buffer.from(declared.digest))) {
      throw refuse('the bundle\'s message digest does not match the artifact', file);
    }
  }
  return toSignedEntity(bundle, input.bytes).signature;
}

/** For DSSE in-toto bundles the artifact must be one of the statement's subjects. */
function checkDsseSubject(bundle: Bundle, input: Input, file: string): void {
  if (bundle.content.$case !== 'dsseEnvelope') return;
  const env = bundle.content.dsseEnvelope;
  if (env.payloadType !== 'application/vnd.in-toto+json') {
    throw new ModelsealError('STATEMENT_INVALID', `payloadType ${JSON.stringify(env.payloadType)} is not an in-toto statement`, { file });
  }
  const statement = parseJson(Buffer.from(env.payload), file, 'STATEMENT_INVALID', 'the signed statement') as { subject?: Array<{ digest?: Record<string, string> }> };
  const want = input.sha256.toString('hex');
  const subjects = Array.isArray(statement?.subject) ? statement.subject : [];
  if (!subjects.some((s) => typeof s?.digest?.sha256 === 'string' && s.digest.sha256.toLowerCase() === want)) {
    throw refuse(`the artifact (sha256:${want}) is not a subject of the signed statement`, file);
  }
}

function loadKey(file: string): KeyObject {
  try {
    return createPublicKey(readBoundedFile(file, 1024 * 1024));
  } catch (err) {
    if (err instanceof ModelsealError) throw err;
    throw new ModelsealError('KEY_INVALID', 'is not a valid PEM public key', { file, cause: err });
  }
}

/**
 * sigstore-conformance `verify-bundle`: verifies any Sigstore bundle (v0.1-v0.3,
 * message signature or DSSE) fully offline against a trusted root, with either an
 * exact identity + issuer or a managed key, for a file or a `sha256:` digest.
 */
export function conformanceVerifyBundle(req: VerifyBundleRequest): SigstoreVerified {
  if (req.staging && !req.trustedRoot) {
    throw new ModelsealError('USAGE_ERROR', '--staging needs --trusted-root: only the public-good root is shipped');
  }
  if (!req.key && !(req.identity && req.issuer)) {
    throw new ModelsealError('USAGE_ERROR', 'give --certificate-identity and --certificate-oidc-issuer, or --key');
  }
  const json = parseJson(readBoundedFile(req.bundle, maxBundleBytes()), req.bundle, 'BUNDLE_INVALID', 'the bundle');
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (err) {
    throw new ModelsealError('BUNDLE_INVALID', `is not a valid Sigstore bundle: ${(err as Error).message}`, { file: req.bundle, cause: err });
  }
  const input = readInput(req.input);
  const loaded = loadTrustedRoot(req.trustedRoot);
  let trust = trustMaterialFor(loaded);
  if (req.key) {
    const material = bundle.verificationMaterial.content;
    if (material.$case !== 'publicKey') {
      throw new ModelsealError('UNTRUSTED_SIGNER', 'is signed with a certificate, but a key was given', { file: req.bundle });
    }
    const publicKey = loadKey(req.key);
    trust = trustMaterialFor(loaded, () => ({ publicKey, validFor: () => true }));
  }
  const content =
    bundle.content.$case === 'messageSignature'
      ? messageContent(bundle, input, req.bundle)
      : new DsseSignatureContent({
          payloadType: bundle.content.dsseEnvelope.payloadType,
          payload: Buffer.from(bundle.content.dsseEnvelope.payload),
          sig: Buffer.from(bundle.content.dsseEnvelope.signatures[0]?.sig ?? Buffer.alloc(0)),
        });
  const verified = verifySigstoreBundle(bundle, {
    trust,
    trustSource: loaded.source,
    identity: req.key ? undefined : { identity: req.identity as string, issuer: req.issuer as string },
    content,
    file: req.bundle,
  });
  checkDsseSubject(bundle, input, req.bundle);
  return verified;
}
