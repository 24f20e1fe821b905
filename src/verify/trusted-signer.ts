import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import { ModelsealError, type ErrorCode } from '../errors';
import type { SignatureBundle } from '../envelope/bundle';
import { IN_TOTO_PAYLOAD_TYPE } from '../envelope/dsse';
import { loadPublicKey, publicKeyInfo } from '../keys/load';
import type { KeyType, PublicKeyInfo } from '../keys/key-types';
import { LEGACY_PREDICATE_TYPE } from '../statement/oms-legacy';
import { loadCertificates, subjectOf } from './certificates';
import { verifyEnvelope } from './dsse-verify';
import { checkNamedKey } from './named-key';
import type { Matcher } from './identity-match';
import type { DsseSignatureContent } from './signature-content';
import type { LoadedTrustedRoot } from './trust-root';

// Key bundles, the common case, need none of the Sigstore and X.509 path code nor the
// packages it loads (start-up, issue 16): it is required where such a bundle is checked.

/**
 * Whom a verifier trusts. A policy evaluator lists these; `verifyBundleSigners`
 * returns which one signed.
 */
export type TrustedSigner =
  | { kind: 'key'; key: PublicKeyInfo | string; name?: string }
  | {
      kind: 'sigstore';
      /** Certificate SAN: exact string, or a RegExp that must match the whole value. */
      identity: Matcher;
      /** OIDC issuer recorded by Fulcio: exact string or whole-value RegExp. */
      issuer: Matcher;
      /** trusted_root.json path or loaded root; default: `trust update`'s root, else the shipped public-good root. */
      trustedRoot?: string | LoadedTrustedRoot;
      name?: string;
    }
  | {
      kind: 'ca';
      /** PEM file(s) or certificates of the trusted CA roots. */
      roots: string | readonly string[] | readonly X509Certificate[];
      /** Extra intermediates (PEM file(s) or certificates) besides those in the bundle. */
      intermediates?: string | readonly string[] | readonly X509Certificate[];
      /** Judge certificate validity at the leaf's notBefore, as model_signing does, instead of now. */
      validAtNotBefore?: boolean;
      name?: string;
    };

export type SigningMethod = 'key' | 'sigstore' | 'certificate';

export interface VerifiedSigner {
  method: SigningMethod;
  /** The trusted signer entry that matched. */
  trusted: TrustedSigner;
  keyType: KeyType;
  /** model_signing's hint of the signing key (hex SHA-256 of its SPKI PEM). */
  keyHint: string;
  /** sigstore: the certificate SAN; certificate: the leaf's subject. */
  identity?: string;
  /** sigstore: the OIDC issuer; certificate: the subject of the root that anchored the chain. */
  issuer?: string;
  logIndex?: string;
  integratedTime?: string;
  tlogEntries?: number;
  rfc3161Timestamps?: number;
  /** The trusted root used for sigstore verification. */
  trustedRoot?: string;
  /** certificate: the trusted CA root (PEM) that anchored the chain (lock pins it). */
  rootCertificate?: string;
  /** The signature verified only over model_signing v0.2.0's legacy DSSE encoding. */
  legacyEncoding?: boolean;
}

const MATERIAL_TO_KIND = { publicKey: 'key', certificate: 'sigstore', x509CertificateChain: 'ca' } as const;
const HOW_TO_TRUST = {
  key: 'a public key (--key)',
  sigstore: 'a Sigstore identity and issuer (--identity/--issuer)',
  ca: 'CA roots (--ca-roots)',
} as const;
const MATERIAL_NAME = {
  publicKey: 'a public key',
  certificate: 'a Sigstore (Fulcio) certificate',
  x509CertificateChain: 'an X.509 certificate chain',
} as const;

function certsFrom(v: string | readonly string[] | readonly X509Certificate[] | undefined): X509Certificate[] {
  if (v === undefined) return [];
  const list = (typeof v === 'string' ? [v] : v) as ReadonlyArray<string | X509Certificate>;
  return list.flatMap((c) => (typeof c === 'string' ? loadCertificates(c) : [c]));
}

function infoOf(key: KeyObject, file?: string): PublicKeyInfo {
  try {
    return publicKeyInfo(key, file);
  } catch (err) {
    throw new ModelsealError('UNSUPPORTED_ALGORITHM', `the signing certificate's key is not supported: ${(err as Error).message}`, { file, cause: err });
  }
}

/**
 * Whether a statement is model_signing v0.2's, read only once its signature verified (an
 * unverified payload is not parsed before its signature is checked). Its subjects, one per
 * file, are streamed past: a large v0.2 statement reads here in bounded memory.
 */
function isLegacyPayload(payload: Buffer, file?: string): boolean {
  const { parseJson } = require('../envelope/read-json') as typeof import('../envelope/read-json');
  try {
    const s = parseJson(payload, file, 'STATEMENT_INVALID', 'the signed statement', { items: { path: ['subject'], onItem: () => undefined } }) as { predicateType?: unknown } | null;
    return s?.predicateType === LEGACY_PREDICATE_TYPE;
  } catch {
    return false;
  }
}

function toSigstoreBundle(bundle: SignatureBundle, file?: string): Bundle {
  const { bundleFromJSON } = require('@sigstore/bundle') as typeof import('@sigstore/bundle');
  try {
    return bundleFromJSON(bundle.json);
  } catch (err) {
    throw new ModelsealError('BUNDLE_INVALID', `is not a valid Sigstore bundle: ${(err as Error).message}`, { file, cause: err });
  }
}

function dsseContent(bundle: SignatureBundle, allowLegacy: boolean): DsseSignatureContent {
  const env = bundle.envelope;
  if (env.signatures.length !== 1) {
    throw new ModelsealError('BUNDLE_INVALID', `a Sigstore bundle carries exactly one DSSE signature, this one has ${env.signatures.length}`);
  }
  const { DsseSignatureContent } = require('./signature-content') as typeof import('./signature-content');
  return new DsseSignatureContent({ payloadType: env.payloadType, payload: env.payload, sig: env.signatures[0].sig }, allowLegacy);
}

function verifyKeySigners(bundle: SignatureBundle, signers: Array<Extract<TrustedSigner, { kind: 'key' }>>, file?: string): VerifiedSigner {
  if (bundle.tlogEntries.length > 0 || bundle.timestampVerificationData !== undefined) {
    throw new ModelsealError('UNSUPPORTED_MATERIAL', 'carries transparency-log entries or timestamps that key verification cannot check', { file });
  }
  const keys = signers.map((s) => (typeof s.key === 'string' ? loadPublicKey(s.key) : s.key));
  const hint = bundle.material.kind === 'publicKey' ? bundle.material.hint : undefined;
  const key = verifyEnvelope(bundle.envelope, keys, hint, file);
  checkNamedKey(bundle.material, key, file);
  return { method: 'key', trusted: signers[keys.indexOf(key)], keyType: key.type, keyHint: key.hint };
}

function verifySigstoreSigner(bundle: SignatureBundle, signer: Extract<TrustedSigner, { kind: 'sigstore' }>, roots: Map<string, LoadedTrustedRoot>, file?: string): VerifiedSigner {
  const { loadTrustedRoot, trustMaterialFor } = require('./trust-root') as typeof import('./trust-root');
  const { verifySigstoreBundle } = require('./sigstore-verify') as typeof import('./sigstore-verify');
  const rootKey = typeof signer.trustedRoot === 'string' ? signer.trustedRoot : '';
  let loaded = typeof signer.trustedRoot === 'object' ? signer.trustedRoot : roots.get(rootKey);
  if (!loaded) {
    loaded = loadTrustedRoot(signer.trustedRoot as string | undefined);
    roots.set(rootKey, loaded);
  }
  const result = verifySigstoreBundle(toSigstoreBundle(bundle, file), {
    trust: trustMaterialFor(loaded),
    trustSource: loaded.source,
    identity: { identity: signer.identity, issuer: signer.issuer },
    content: dsseContent(bundle, false),
    file,
  });
  const info = infoOf(result.key, file);
  return {
    method: 'sigstore',
    trusted: signer,
    keyType: info.type,
    keyHint: info.hint,
    identity: result.identity,
    issuer: result.issuer,
    logIndex: result.logIndex,
    integratedTime: result.integratedTime,
    tlogEntries: result.tlogEntries,
    rfc3161Timestamps: result.rfc3161Timestamps,
    trustedRoot: loaded.source,
  };
}

function verifyCaSigner(bundle: SignatureBundle, signer: Extract<TrustedSigner, { kind: 'ca' }>, file?: string): VerifiedSigner {
  if (bundle.material.kind !== 'x509CertificateChain') throw new Error('unreachable');
  if (bundle.tlogEntries.length > 0 || bundle.timestampVerificationData !== undefined) {
    throw new ModelsealError('UNSUPPORTED_MATERIAL', 'carries transparency-log entries or timestamps that certificate-chain verification cannot check', { file });
  }
  const chain = bundle.material.certificates.map((der, i) => {
    try {
      return new X509Certificate(der);
    } catch (err) {
      throw new ModelsealError('BUNDLE_INVALID', `certificate #${i + 1} of the bundle's chain is not valid X.509`, { file, cause: err });
    }
  });
  const roots = certsFrom(signer.roots);
  const source = typeof signer.roots === 'string' ? signer.roots : Array.isArray(signer.roots) && typeof signer.roots[0] === 'string' ? signer.roots.join(', ') : undefined;
  const { verifyCertificatePath } = require('./certificate-verify') as typeof import('./certificate-verify');
  const path = verifyCertificatePath(chain, { roots, intermediates: certsFrom(signer.intermediates), source, validAtNotBefore: signer.validAtNotBefore }, file);
  const content = dsseContent(bundle, true);
  const leafKey = createPublicKey(path.leaf.publicKey.export({ type: 'spki', format: 'pem' }));
  const info = infoOf(leafKey, file);
  if (!content.verifySignature(leafKey)) {
    throw new ModelsealError('SIGNATURE_MISMATCH', `the signature does not verify with the key of the signing certificate (${subjectOf(path.leaf)})`, { file });
  }
  // model_signing v0.2's pre-standard encoding, for the statements it wrote and no others.
  if (content.usedLegacyPae && !isLegacyPayload(bundle.envelope.payload, file)) {
    throw new ModelsealError('SIGNATURE_MISMATCH', `the signature verifies only in model_signing v0.2's pre-standard DSSE encoding, which is accepted for its ${LEGACY_PREDICATE_TYPE} statements only`, { file });
  }
  return {
    method: 'certificate',
    trusted: signer,
    keyType: info.type,
    keyHint: info.hint,
    identity: subjectOf(path.leaf),
    issuer: subjectOf(path.path[path.path.length - 1]),
    rootCertificate: path.path[path.path.length - 1].toString(),
    ...(content.usedLegacyPae ? { legacyEncoding: true } : {}),
  };
}

/**
 * Verifies the signature of an OMS bundle against a list of trusted signers and
 * returns who signed. Only signers of the bundle's own kind are tried (a public-key
 * bundle against keys, a Fulcio certificate against Sigstore identities, an X.509
 * chain against CA roots); anything else is refused. The statement and the files are
 * the caller's to check.
 */
export function verifyBundleSigners(bundle: SignatureBundle, signers: readonly TrustedSigner[], file?: string): VerifiedSigner {
  if (signers.length === 0) throw new ModelsealError('USAGE_ERROR', 'no trusted signer was given (a key, a Sigstore identity or CA roots)');
  const kind = MATERIAL_TO_KIND[bundle.material.kind];
  const candidates = signers.filter((s) => s.kind === kind);
  if (candidates.length === 0) {
    const given = [...new Set(signers.map((s) => s.kind))].map((k) => HOW_TO_TRUST[k]).join(' or ');
    throw new ModelsealError('UNTRUSTED_SIGNER', `is signed with ${MATERIAL_NAME[bundle.material.kind]}, but the trusted signers are only ${given}; give ${HOW_TO_TRUST[kind]}`, { file });
  }
  if (kind === 'key') return verifyKeySigners(bundle, candidates as Array<Extract<TrustedSigner, { kind: 'key' }>>, file);
  const roots = new Map<string, LoadedTrustedRoot>();
  const errors: ModelsealError[] = [];
  for (const signer of candidates) {
    try {
      const verified = signer.kind === 'sigstore' ? verifySigstoreSigner(bundle, signer, roots, file) : verifyCaSigner(bundle, signer as Extract<TrustedSigner, { kind: 'ca' }>, file);
      // As DSSE requires, the payload type is looked at only once the signature verified.
      if (bundle.envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
        throw new ModelsealError('STATEMENT_INVALID', `payloadType is ${JSON.stringify(bundle.envelope.payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`, { file });
      }
      return verified;
    } catch (err) {
      if (!(err instanceof ModelsealError)) throw err;
      // A broken bundle or trust root fails the same way for every signer: stop at once.
      if (!['IDENTITY_MISMATCH', 'UNTRUSTED_SIGNER'].includes(err.code)) throw err;
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  const strip = (m: string) => (file && m.startsWith(`${file}: `) ? m.slice(file.length + 2) : m);
  const code: ErrorCode = errors.every((e) => e.code === 'IDENTITY_MISMATCH') ? 'IDENTITY_MISMATCH' : 'UNTRUSTED_SIGNER';
  throw new ModelsealError(code, `matches none of the ${errors.length} trusted signers: ${errors.map((e) => strip(e.message)).join(' | ')}`, { file });
}
