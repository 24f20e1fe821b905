import { ModelsealError } from '../errors';
import { decodeBase64 } from './base64';
import type { DsseEnvelope, DsseSignature } from './dsse';
import { readSignatureFileContent } from './bundle-file';
import { quoted } from '../names';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** Media types of Sigstore bundles accepted as DSSE model signatures. */
export const ACCEPTED_BUNDLE_MEDIA_TYPES: readonly string[] = [
  BUNDLE_MEDIA_TYPE,
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
];

export type VerificationMaterial =
  | { kind: 'publicKey'; hint?: string; rawBytes?: Buffer }
  | { kind: 'x509CertificateChain'; certificates: Buffer[] }
  | { kind: 'certificate'; certificate: Buffer };

export interface SignatureBundle {
  mediaType: string;
  material: VerificationMaterial;
  /** Transparency-log entries and timestamps, kept as JSON for the verifiers that use them. */
  tlogEntries: unknown[];
  timestampVerificationData?: unknown;
  envelope: DsseEnvelope;
  /** The bundle as parsed, for hand-off to Sigstore verification. */
  json: Record<string, unknown>;
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(file: string | undefined, message: string): ModelsealError {
  return new ModelsealError('BUNDLE_INVALID', message, { file });
}

function onlyKeys(o: Obj, allowed: readonly string[], where: string, file?: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw invalid(file, `unknown field ${quoted(k)} in ${where}`);
  }
}

function parseMaterial(vm: unknown, file?: string): { material: VerificationMaterial; tlogEntries: unknown[]; timestamps?: unknown } {
  if (!isObject(vm)) throw invalid(file, 'verificationMaterial is missing');
  onlyKeys(vm, ['publicKey', 'x509CertificateChain', 'certificate', 'tlogEntries', 'timestampVerificationData'], 'verificationMaterial', file);
  const kinds = ['publicKey', 'x509CertificateChain', 'certificate'].filter((k) => vm[k] !== undefined);
  if (kinds.length !== 1) throw invalid(file, 'verificationMaterial must hold exactly one of publicKey, x509CertificateChain, certificate');
  const tlogEntries = vm.tlogEntries ?? [];
  if (!Array.isArray(tlogEntries)) throw invalid(file, 'verificationMaterial.tlogEntries is not a list');
  let material: VerificationMaterial;
  if (kinds[0] === 'publicKey') {
    const pk = vm.publicKey;
    if (!isObject(pk)) throw invalid(file, 'verificationMaterial.publicKey is not an object');
    const hint = pk.hint;
    if (hint !== undefined && typeof hint !== 'string') throw invalid(file, 'publicKey.hint is not a string');
    const rawBytes = pk.rawBytes === undefined ? undefined : decodeBase64(pk.rawBytes);
    if (rawBytes === null) throw invalid(file, 'publicKey.rawBytes is not base64');
    material = { kind: 'publicKey', hint: hint as string | undefined, rawBytes };
  } else if (kinds[0] === 'x509CertificateChain') {
    const chain = vm.x509CertificateChain;
    const certs = isObject(chain) && Array.isArray(chain.certificates) ? chain.certificates : null;
    if (!certs || certs.length === 0) throw invalid(file, 'x509CertificateChain.certificates is empty');
    material = {
      kind: 'x509CertificateChain',
      certificates: certs.map((c) => {
        const der = isObject(c) ? decodeBase64(c.rawBytes) : null;
        if (!der || der.length === 0) throw invalid(file, 'a certificate in x509CertificateChain is not base64 DER');
        return der;
      }),
    };
  } else {
    const c = vm.certificate;
    const der = isObject(c) ? decodeBase64(c.rawBytes) : null;
    if (!der || der.length === 0) throw invalid(file, 'verificationMaterial.certificate is not base64 DER');
    material = { kind: 'certificate', certificate: der };
  }
  return { material, tlogEntries, timestamps: vm.timestampVerificationData };
}

/** `decoded`: dsseEnvelope.payload as the bundle file reader already decoded it (see bundle-file.ts). */
function parseEnvelope(env: unknown, file?: string, decoded?: Buffer): DsseEnvelope {
  if (!isObject(env)) throw invalid(file, 'dsseEnvelope is missing (only DSSE signatures are model signatures)');
  onlyKeys(env, ['payload', 'payloadType', 'signatures'], 'dsseEnvelope', file);
  if (typeof env.payloadType !== 'string') throw invalid(file, 'dsseEnvelope.payloadType is missing');
  const payload = decoded ?? decodeBase64(env.payload);
  if (!payload || payload.length === 0) throw invalid(file, 'dsseEnvelope.payload is missing or not base64');
  if (!Array.isArray(env.signatures) || env.signatures.length === 0) throw invalid(file, 'dsseEnvelope has no signatures');
  // The Sigstore bundle spec allows exactly one; with several, "which one counts" would be
  // a choice an attacker could steer (threshold signing belongs to release records).
  if (env.signatures.length > 1) throw invalid(file, `a Sigstore bundle carries exactly one DSSE signature, this one has ${env.signatures.length}`);
  const signatures: DsseSignature[] = env.signatures.map((s) => {
    if (!isObject(s)) throw invalid(file, 'a DSSE signature is not an object');
    onlyKeys(s, ['sig', 'keyid'], 'a DSSE signature', file);
    const sig = decodeBase64(s.sig);
    if (!sig || sig.length === 0) throw invalid(file, 'a DSSE signature is empty or not base64');
    if (s.keyid !== undefined && s.keyid !== null && typeof s.keyid !== 'string') throw invalid(file, 'a DSSE keyid is not a string');
    return { sig, keyid: s.keyid as string | null | undefined };
  });
  return { payloadType: env.payloadType, payload, signatures };
}

/** Parses a Sigstore bundle holding a DSSE envelope. Structure only: nothing is trusted yet. */
export function parseBundle(json: unknown, file?: string): SignatureBundle {
  return parseBundleWith(json, file);
}

function parseBundleWith(json: unknown, file?: string, decodedPayload?: Buffer): SignatureBundle {
  if (!isObject(json)) throw invalid(file, 'is not a JSON object');
  onlyKeys(json, ['mediaType', 'verificationMaterial', 'dsseEnvelope', 'messageSignature'], 'the bundle', file);
  if (typeof json.mediaType !== 'string' || !ACCEPTED_BUNDLE_MEDIA_TYPES.includes(json.mediaType)) {
    throw invalid(file, `unsupported bundle media type ${quoted(json.mediaType)} (expected ${BUNDLE_MEDIA_TYPE})`);
  }
  if (json.messageSignature !== undefined) throw invalid(file, 'holds a message signature, not a DSSE envelope: not a model signature');
  const { material, tlogEntries, timestamps } = parseMaterial(json.verificationMaterial, file);
  return {
    mediaType: json.mediaType,
    material,
    tlogEntries,
    timestampVerificationData: timestamps,
    envelope: parseEnvelope(json.dsseEnvelope, file, decodedPayload),
    json,
  };
}

/** Parses what readSignatureFileContent read from a JSON bundle file. */
export function parseBundleContent(content: { json: unknown; payload?: Buffer }, file?: string): SignatureBundle {
  return parseBundleWith(content.json, file, content.payload);
}

/**
 * Reads and parses a bundle file (its payload is held once, see bundle-file.ts), with the
 * SHA-256 of the bytes read: the one reader of bundle files, whatever their size.
 */
export function readBundle(file: string): SignatureBundle & { fileSha256: string } {
  const content = readSignatureFileContent(file, { sha256: true });
  if (content.kind !== 'json') throw new Error('unreachable: no COSE test was asked for');
  return Object.assign(parseBundleContent(content, file), { fileSha256: content.sha256 as string });
}

/** Payload bytes per base64 chunk (a multiple of 3, so chunks join into one base64 text). */
const BASE64_CHUNK = 3 * 1024 * 1024;

/**
 * Bytes per base64 string yielded: 64 KiB of text. Larger strings go straight to V8's
 * large-object space, where each one waits for a full collection: a 300 MB payload in
 * 4 MB strings grew the heap by hundreds of MB before any was freed.
 */
const BASE64_SLICE = 48 * 1024;

/** Base64 of a byte stream, chunk by chunk: bytes that do not fill a 3-byte group wait for the next chunk. */
function* base64Chunks(chunks: Iterable<Uint8Array>): Generator<string> {
  let carry = Buffer.alloc(0);
  for (const c of chunks) {
    const bytes = carry.length > 0 ? Buffer.concat([carry, c]) : Buffer.from(c.buffer, c.byteOffset, c.length);
    const whole = bytes.length - (bytes.length % 3);
    for (let o = 0; o < whole; o += BASE64_SLICE) yield bytes.toString('base64', o, Math.min(o + BASE64_SLICE, whole));
    carry = Buffer.from(bytes.subarray(whole)); // a copy: the caller may reuse its chunk
  }
  if (carry.length > 0) yield carry.toString('base64');
}

function* slices(payload: Buffer): Generator<Buffer> {
  for (let o = 0; o < payload.length; o += BASE64_CHUNK) yield payload.subarray(o, o + BASE64_CHUNK);
}

/**
 * A bundle (`serializeKeyBundle`, `serializeCertificateBundle`), byte for byte, as a
 * sequence of chunks produced one at a time: a 200 MB payload is never held as one 270 MB
 * base64 string (plus the JSON text around it) while it is written. The payload may itself
 * be a stream of chunks, and the signature a function called once the payload has been
 * read through (a streaming signer: the payload is then never held at all).
 */
export function* bundleChunks(envelope: { payloadType: string; payload: Buffer | Iterable<Uint8Array>; signature: Buffer | (() => Buffer) }, verificationMaterial: Record<string, unknown>): Generator<string> {
  const head = JSON.stringify({ mediaType: BUNDLE_MEDIA_TYPE, verificationMaterial, dsseEnvelope: { payload: '' } });
  yield head.slice(0, -3); // up to and including the payload's opening quote
  yield* base64Chunks(Buffer.isBuffer(envelope.payload) ? slices(envelope.payload) : envelope.payload);
  const signature = typeof envelope.signature === 'function' ? envelope.signature() : envelope.signature;
  const tail = JSON.stringify({ payloadType: envelope.payloadType, signatures: [{ sig: signature.toString('base64'), keyid: '' }] });
  yield `",${tail.slice(1)}}`;
}

/** The verification material of a key-method bundle. */
export function keyMaterial(hint: string): Record<string, unknown> {
  return { publicKey: { hint }, tlogEntries: [] };
}

export function keyBundleChunks(envelope: Parameters<typeof bundleChunks>[0], hint: string): Generator<string> {
  return bundleChunks(envelope, keyMaterial(hint));
}

/**
 * Serializes a key-method bundle exactly as model_signing v1.1 writes it: compact
 * JSON, this key order, an empty tlogEntries list and an empty keyid.
 */
export function serializeKeyBundle(envelope: { payloadType: string; payload: Buffer; signature: Buffer }, hint: string): string {
  return JSON.stringify({
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: keyMaterial(hint),
    dsseEnvelope: {
      payload: envelope.payload.toString('base64'),
      payloadType: envelope.payloadType,
      signatures: [{ sig: envelope.signature.toString('base64'), keyid: '' }],
    },
  });
}
