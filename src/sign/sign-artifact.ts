import { createPublicKey, createSign, X509Certificate } from 'node:crypto';
import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { computeManifest, type DigestOptions, type Manifest } from '../digest/manifest';
import { IN_TOTO_PAYLOAD_TYPE, preAuthHeader } from '../envelope/dsse';
import { bundleChunks, keyMaterial, serializeKeyBundle } from '../envelope/bundle';
import { base64Length } from '../envelope/signature-limit';
import { isExternalKey, maxEcdsaDerBytes, signWith, type SigningKey } from '../keys/signing-key';
import { hashForKey } from '../keys/signature-algorithm';
import { publicKeyInfo } from '../keys/load';
import { buildOmsStatement, omsStatementChunks, serializeOmsStatementInto } from '../statement/oms';
import { serializeStatement, type Statement } from '../statement/statement';
import { checkOutputPath, writeFileAtomic } from '../util/atomic-write';
import type { CoseClaims } from '../envelope/cose/sign1';
import { loadCertificateMaterial, type CertificateMaterial } from './certificate-signer';
import { certificateMaterial, serializeCertificateBundle } from '../envelope/certificate-bundle';
import { defaultSignaturePath, signatureIgnores, type SignatureFormat } from './signature-path';
import { defaultCoseClaims, signPayloadCose, signStatementCose } from './sign-cose';
import type { SigstoreSignOptions } from './sigstore-signer';
import { signInTotoPayload, signInTotoStatement } from './sign-dsse';
import { checkSubjectName, subjectNameOf } from './subject-name';
import { checkSignatureBudget, checkSignatureBytes } from './signature-budget';

export interface SignOptions extends DigestOptions {
  /** The signing key (key and certificate methods). */
  key?: SigningKey;
  /** With `key`: the key's X.509 certificate and chain (model_signing's certificate method). */
  certificate?: CertificateMaterial;
  /** Keyless signing through Sigstore (Fulcio + Rekor [+ TSA]) instead of a key. */
  sigstore?: SigstoreSignOptions;
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
  /** key, certificate (X.509 chain) or sigstore (keyless). */
  method: 'key' | 'certificate' | 'sigstore';
  keyType: SigningKey['type'];
  keyHint: string;
  format: SignatureFormat;
  /** certificate: the leaf's subject; sigstore: the identity Fulcio certified. */
  identity?: string;
  logIndex?: string;
}

/** Signs a key-method DSSE envelope over a statement and returns the bundle JSON text. */
export function signStatementWithKey(statement: Statement<unknown>, key: SigningKey): string {
  return serializeKeyBundle(signInTotoStatement(statement, key), key.publicKey.hint);
}

type Signed = Pick<SignResult, 'method' | 'keyType' | 'keyHint' | 'identity' | 'logIndex'> & { bundle: string | Buffer };
export type SignedPayload = Signed & { bundle: string };

export async function signStatement(statement: Statement<unknown>, options: SignOptions): Promise<Signed> {
  if (options.format === 'cose') {
    if (options.sigstore) throw new ModelsealError('USAGE_ERROR', 'keyless (Sigstore) signing writes a bundle; the cose format needs --key');
    if (!options.key) throw new ModelsealError('USAGE_ERROR', 'no signing key was given (or choose keyless signing)');
    if (options.certificate) throw new ModelsealError('USAGE_ERROR', 'the cose format is signed with a key only (no certificate chain)');
    return { bundle: signStatementCose(statement, options.key, options.claims), method: 'key', keyType: options.key.type, keyHint: options.key.publicKey.hint };
  }
  return signPayload(serializeStatement(statement), options);
}

/**
 * Signs in-toto payload bytes as they are (a DSSE envelope in a Sigstore bundle): with a
 * key, a key and its certificate chain, or keyless through Sigstore. Release records are
 * co-signed over the exact bytes of the first signer's payload.
 */
export async function signPayload(payload: Buffer, options: Pick<SignOptions, 'key' | 'certificate' | 'sigstore'>): Promise<SignedPayload> {
  if (options.sigstore) {
    if (options.key || options.certificate) throw new ModelsealError('USAGE_ERROR', 'keyless (Sigstore) signing takes no key or certificate');
    // Loaded only for keyless signing: key signing and verification never load @sigstore/sign.
    const { sigstoreSignPayload } = require('./sigstore-signer') as typeof import('./sigstore-signer');
    const bundle = await sigstoreSignPayload(payload, IN_TOTO_PAYLOAD_TYPE, options.sigstore);
    const vm = bundle.verificationMaterial as { certificate?: { rawBytes: string }; tlogEntries?: Array<{ logIndex?: string }> };
    const cert = new X509Certificate(Buffer.from(vm.certificate?.rawBytes ?? '', 'base64'));
    const info = publicKeyInfo(createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' })));
    return {
      bundle: JSON.stringify(bundle),
      method: 'sigstore',
      keyType: info.type,
      keyHint: info.hint,
      identity: cert.subjectAltName?.replace(/^(email|URI):/, ''),
      logIndex: vm.tlogEntries?.[0]?.logIndex,
    };
  }
  const key = options.key;
  if (!key) throw new ModelsealError('USAGE_ERROR', 'no signing key was given (or choose keyless signing)');
  const envelope = signInTotoPayload(payload, key);
  if (options.certificate) {
    const chain = loadCertificateMaterial(options.certificate, key);
    return { bundle: serializeCertificateBundle(envelope, chain.map((c) => c.raw)), method: 'certificate', keyType: key.type, keyHint: key.publicKey.hint, identity: chain[0].subject.split('\n').join(', ') };
  }
  return { bundle: serializeKeyBundle(envelope, key.publicKey.hint), method: 'key', keyType: key.type, keyHint: key.publicKey.hint };
}

/**
 * The base64 bytes of the certificate chain a signature will carry, loaded (and checked
 * against the key) before anything is hashed: a wrong or oversized chain is refused at once.
 */
export function certificateBytes(options: SignOptions): number {
  if (!options.certificate || !options.key) return 0;
  return loadCertificateMaterial(options.certificate, options.key).reduce((n, c) => n + base64Length(c.raw.length), 0);
}

/** Hashes an artifact and writes its OMS v1.0 signature (a Sigstore bundle or COSE_Sign1) atomically. */
export async function signArtifact(artifact: string, options: SignOptions): Promise<SignResult> {
  const signature = signatureTarget(artifact, options);
  const ignorePaths = [...(options.ignorePaths ?? []), ...signatureIgnores(artifact, signature)];
  checkOutputPath(signature, { force: options.force }); // fail before hashing and before any call to a Sigstore service
  // The subject name we write is the artifact's own name: the same rules as its files' names.
  const subjectName = subjectNameOf(artifact);
  checkSubjectName(subjectName, 'UNSUPPORTED_NAME', artifact);
  const budget = { keyless: options.sigstore !== undefined, materialBytes: certificateBytes(options) };
  const manifest = await computeManifest(artifact, { ...options, ignorePaths, beforeHashing: (tree, s) => checkSignatureBudget(tree.files, s, subjectName, budget) });
  return { artifact: path.resolve(artifact), ...(await signManifest(manifest, subjectName, signature, options)) };
}

/** Where the signature goes (checked options first: claims only with COSE). */
export function signatureTarget(artifact: string | undefined, options: SignOptions): string {
  const format = options.format ?? 'bundle';
  if (format !== 'cose' && options.claims && Object.keys(options.claims).length > 0) {
    throw new ModelsealError('USAGE_ERROR', 'issuer and subject claims apply only to the cose format');
  }
  if (options.signature === undefined && artifact === undefined) throw new ModelsealError('USAGE_ERROR', 'say where to write the signature (--signature FILE)');
  return path.resolve(options.signature ?? defaultSignaturePath(artifact as string, format));
}

/**
 * A key held here or elsewhere, with or without its certificate chain, into a bundle:
 * without building the statement as an object or the bundle as one string. An ECDSA key
 * held here signs the statement as a stream while the bundle is written: the statement
 * is never held. Ed25519 (which signs one whole message) and keys held elsewhere get it
 * once, after its DSSE header, signed in place. Both write the bytes of
 * signStatementWithKey (signStatementWithCertificate with a chain).
 */
function signManifestWithKey(manifest: Manifest, subjectName: string, signature: string, key: SigningKey, material: Record<string, unknown>, force: boolean | undefined): void {
  const statement = omsStatementChunks(manifest, subjectName);
  const header = preAuthHeader(IN_TOTO_PAYLOAD_TYPE, statement.length);
  const bundleBytes = (signatureBytes: number) => Buffer.byteLength(Array.from(bundleChunks({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: Buffer.alloc(0), signature: Buffer.alloc(signatureBytes) }, material)).join('')) + base64Length(statement.length);
  if (isExternalKey(key) || key.type === 'ed25519') {
    const { buffer, offset } = serializeOmsStatementInto(manifest, subjectName, () => header);
    const sig = signWith(key, buffer);
    checkSignatureBytes(bundleBytes(sig.length));
    writeFileAtomic(signature, bundleChunks({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: buffer.subarray(offset), signature: sig }, material), { force });
    return;
  }
  checkSignatureBytes(bundleBytes(maxEcdsaDerBytes(key.type)));
  const signer = createSign(hashForKey(key.type) as string).update(header);
  function* signed(): Generator<Uint8Array> {
    for (const chunk of statement.chunks()) {
      signer.update(chunk);
      yield chunk;
    }
  }
  const sign = () => signer.sign({ key: key.key, dsaEncoding: 'der' });
  writeFileAtomic(signature, bundleChunks({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: signed(), signature: sign }, material), { force });
}

/**
 * Signs the OMS statement of a finished manifest and writes it atomically to `signature`.
 * With a key (and a certificate chain, or as COSE), the statement is made from the packed
 * manifest, never as an object: a million-resource statement signs in bounded memory.
 */
export async function signManifest(manifest: Manifest, subjectName: string, signature: string, options: SignOptions): Promise<Omit<SignResult, 'artifact'>> {
  const format = options.format ?? 'bundle';
  const key = options.key;
  const done = { signature, rootDigest: manifest.rootDigest, manifest, format };
  if (key && !options.sigstore && format === 'bundle') {
    const chain = options.certificate ? loadCertificateMaterial(options.certificate, key) : undefined;
    signManifestWithKey(manifest, subjectName, signature, key, chain ? certificateMaterial(chain.map((c) => c.raw)) : keyMaterial(key.publicKey.hint), options.force);
    const signer = { keyType: key.type, keyHint: key.publicKey.hint };
    return { ...done, ...signer, ...(chain ? { method: 'certificate' as const, identity: chain[0].subject.split('\n').join(', ') } : { method: 'key' as const }) };
  }
  if (key && !options.sigstore && !options.certificate && format === 'cose') {
    const { buffer } = serializeOmsStatementInto(manifest, subjectName);
    const subject = { subject: [{ name: subjectName, digest: { sha256: manifest.rootDigest } }] };
    const message = signPayloadCose(buffer, key, defaultCoseClaims(subject, key, options.claims));
    checkSignatureBytes(message.reduce((n, part) => n + part.length, 0));
    writeFileAtomic(signature, message, { force: options.force });
    return { ...done, method: 'key', keyType: key.type, keyHint: key.publicKey.hint };
  }
  // Keyless: the statement's bytes from the packed manifest; any other mix is refused by signStatement.
  const { bundle, ...signer } = options.sigstore && format === 'bundle' ? await signPayload(serializeOmsStatementInto(manifest, subjectName).buffer, options) : await signStatement(buildOmsStatement(manifest, subjectName), options);
  checkSignatureBytes(typeof bundle === 'string' ? Buffer.byteLength(bundle) : bundle.length);
  writeFileAtomic(signature, bundle, { force: options.force });
  return { ...done, ...signer };
}
