import { ModelsealError } from '../errors';
import { decodeBase64 } from '../envelope/base64';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding, type DsseEnvelope } from '../envelope/dsse';
import { maxBundleBytes, parseJson, readBoundedFile } from '../envelope/read-json';
import { parseBundle, type SignatureBundle } from '../envelope/bundle';
import type { PublicKeyInfo } from '../keys/key-types';
import { signWith, type SigningKey } from '../keys/signing-key';
import { verifyBytes } from '../keys/signature-algorithm';
import { serializeStatement, type Statement } from '../statement/statement';

/**
 * A release record file is a DSSE envelope (JSON), not a Sigstore bundle: a bundle
 * carries one signature, a release record needs k-of-n. Each signature's keyid is the
 * signer's key hint (hex SHA-256 of its SPKI PEM): a hint only, never trusted; every
 * signature is checked against every trusted key.
 *
 * Signers without a bare key (Sigstore keyless, an X.509 certificate chain) cannot fit
 * in a DSSE signature, which has no room for a certificate or a log entry: each adds a
 * whole Sigstore bundle under `bundles`, whose envelope must hold the record's exact
 * payload and payload type.
 */
export const RELEASE_MAX_SIGNATURES = 64;

export interface ReleaseEnvelope extends DsseEnvelope {
  /** Sigstore bundles (keyless or X.509 chain) over the same payload, one signature each. */
  bundles?: SignatureBundle[];
}

function invalid(file: string | undefined, m: string): ModelsealError {
  return new ModelsealError('RELEASE_INVALID', m, { file });
}

export function parseReleaseEnvelope(json: unknown, file?: string): ReleaseEnvelope {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid(file, 'is not a DSSE envelope (a JSON object)');
  const env = json as Record<string, unknown>;
  for (const k of Object.keys(env)) if (!['payload', 'payloadType', 'signatures', 'bundles'].includes(k)) throw invalid(file, `unknown field ${JSON.stringify(k)} in the DSSE envelope`);
  if (typeof env.payloadType !== 'string') throw invalid(file, 'payloadType is missing');
  const payload = decodeBase64(env.payload);
  if (!payload || payload.length === 0) throw invalid(file, 'payload is missing or not base64');
  if (!Array.isArray(env.signatures)) throw invalid(file, 'signatures is not a list');
  if (env.bundles !== undefined && !Array.isArray(env.bundles)) throw invalid(file, 'bundles is not a list');
  const count = env.signatures.length + ((env.bundles as unknown[] | undefined)?.length ?? 0);
  if (count > RELEASE_MAX_SIGNATURES) throw invalid(file, `carries ${count} signatures, over the limit of ${RELEASE_MAX_SIGNATURES}`);
  const signatures = env.signatures.map((s) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw invalid(file, 'a signature is not an object');
    const o = s as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k !== 'sig' && k !== 'keyid') throw invalid(file, `unknown field ${JSON.stringify(k)} in a signature`);
    const sig = decodeBase64(o.sig);
    if (!sig || sig.length === 0) throw invalid(file, 'a signature is empty or not base64');
    if (o.keyid !== undefined && o.keyid !== null && typeof o.keyid !== 'string') throw invalid(file, 'a keyid is not a string');
    return { sig, keyid: (o.keyid as string | undefined) ?? '' };
  });
  const bundles = ((env.bundles as unknown[] | undefined) ?? []).map((b, i) => {
    let bundle: SignatureBundle;
    try {
      bundle = parseBundle(b);
    } catch (err) {
      throw invalid(file, `bundle #${i + 1} ${(err as Error).message}`);
    }
    checkReleaseBundle({ payloadType: env.payloadType as string, payload }, bundle, i, file);
    return bundle;
  });
  return { payloadType: env.payloadType, payload, signatures, ...(bundles.length ? { bundles } : {}) };
}

/** A bundle counts for a record only if it signs the record's very bytes, as its payload type. */
export function checkReleaseBundle(env: Pick<DsseEnvelope, 'payloadType' | 'payload'>, bundle: SignatureBundle, i: number, file?: string): void {
  if (bundle.envelope.payloadType !== env.payloadType || !bundle.envelope.payload.equals(env.payload)) {
    throw invalid(file, `bundle #${i + 1} signs another payload than the release record's`);
  }
}

export function readReleaseEnvelope(file: string): ReleaseEnvelope {
  const bytes = readBoundedFile(file, maxBundleBytes(), { tooLarge: 'RELEASE_INVALID' });
  return parseReleaseEnvelope(parseJson(bytes, file, 'RELEASE_INVALID', 'the release record'), file);
}

export function serializeReleaseEnvelope(env: ReleaseEnvelope): string {
  return (
    JSON.stringify(
      {
        payloadType: env.payloadType,
        payload: env.payload.toString('base64'),
        signatures: env.signatures.map((s) => ({ keyid: s.keyid ?? '', sig: s.sig.toString('base64') })),
        ...(env.bundles?.length ? { bundles: env.bundles.map((b) => b.json) } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}

/** A new envelope over a statement with one signature. */
export function signReleaseStatement(statement: Statement<unknown>, key: SigningKey): DsseEnvelope {
  const payload = serializeStatement(statement);
  return addReleaseSignature({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signatures: [] }, key);
}

/** Appends a signature by `key` (the library does not refuse duplicates; the gate counts a key once). */
export function addReleaseSignature<E extends ReleaseEnvelope>(env: E, key: SigningKey): E {
  const sig = signWith(key, preAuthEncoding(env.payloadType, env.payload));
  return { ...env, signatures: [...env.signatures, { sig, keyid: key.publicKey.hint }] };
}

/** Appends a Sigstore bundle (its JSON text or object) over the record's payload. */
export function addReleaseBundle(env: ReleaseEnvelope, bundle: string | Record<string, unknown>): ReleaseEnvelope {
  const json = typeof bundle === 'string' ? (JSON.parse(bundle) as Record<string, unknown>) : bundle;
  return parseReleaseEnvelope({ ...JSON.parse(serializeReleaseEnvelope(env)), bundles: [...(env.bundles ?? []).map((b) => b.json), json] });
}

/**
 * The distinct trusted keys that made a valid signature. Signatures that verify with
 * no trusted key are skipped (DSSE's k-of-n rule); a key counts once however many
 * signatures it made or keyids name it.
 */
export function verifiedSigners(env: DsseEnvelope, trusted: readonly PublicKeyInfo[]): PublicKeyInfo[] {
  const pae = preAuthEncoding(env.payloadType, env.payload);
  const found = new Map<string, PublicKeyInfo>();
  for (const s of env.signatures) {
    for (const k of trusted) {
      if (!found.has(k.id) && verifyBytes(k.type, k.key, pae, s.sig)) {
        found.set(k.id, k);
        break;
      }
    }
  }
  return [...found.values()];
}
