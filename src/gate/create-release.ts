import { createPublicKey, X509Certificate } from 'node:crypto';
import { ModelsealError } from '../errors';
import type { SigningKey } from '../keys/signing-key';
import { publicKeyInfo } from '../keys/load';
import type { CertificateMaterial } from '../sign/certificate-signer';
import { signPayload } from '../sign/sign-artifact';
import type { SigstoreSignOptions } from '../sign/sigstore-signer';
import { writeFileAtomic } from '../util/atomic-write';
import { releaseArtifactDigest } from './release-artifacts';
import { addReleaseBundle, addReleaseSignature, readReleaseEnvelope, serializeReleaseEnvelope, verifiedSigners, type ReleaseEnvelope } from './release-envelope';
import { serializeStatement } from '../statement/statement';
import { IN_TOTO_PAYLOAD_TYPE } from '../envelope/dsse';
import { buildReleaseStatement, isoSeconds, parseExpiry, parseReleaseStatement, type ReleaseRecord } from './release-record';

/**
 * Who signs a release record: a key alone adds a DSSE signature; a key with its X.509
 * certificate chain, or Sigstore keyless, adds a Sigstore bundle over the same payload.
 */
export interface ReleaseSigning {
  key?: SigningKey;
  /** With `key`: its certificate and chain (the gate checks them against a policy's CA roots). */
  certificate?: CertificateMaterial;
  /** Keyless through Sigstore (the gate checks identity and issuer). */
  sigstore?: SigstoreSignOptions;
}

export interface CreateReleaseOptions extends ReleaseSigning {
  channel: string;
  version: number;
  /** A duration from now (`7d`, `12h`...) or an RFC 3339 UTC time. */
  expires: string;
  now?: Date;
}

export interface ReleaseResult {
  record: ReleaseRecord;
  envelope: ReleaseEnvelope;
  /** The release file's text (a DSSE envelope, JSON). */
  json: string;
  /** How the signature just added was made, and by whom (key hint; identity for certificates and keyless). */
  signed: { method: 'key' | 'certificate' | 'sigstore'; keyType: SigningKey['type']; keyHint: string; identity?: string; logIndex?: string };
}

async function addSignature(env: ReleaseEnvelope, signing: ReleaseSigning): Promise<{ envelope: ReleaseEnvelope; signed: ReleaseResult['signed'] }> {
  if (signing.key && !signing.certificate && !signing.sigstore) {
    const key = signing.key;
    return { envelope: addReleaseSignature(env, key), signed: { method: 'key', keyType: key.type, keyHint: key.publicKey.hint } };
  }
  const { bundle, ...signed } = await signPayload(env.payload, signing);
  return { envelope: addReleaseBundle(env, bundle), signed };
}

/** Builds and signs a release record for signed artifacts (their OMS signatures at the default location). */
export async function createRelease(artifacts: readonly string[], options: CreateReleaseOptions): Promise<ReleaseResult> {
  if (artifacts.length === 0) throw new ModelsealError('USAGE_ERROR', 'a release names at least one artifact');
  if (!Number.isSafeInteger(options.version) || options.version < 1) throw new ModelsealError('USAGE_ERROR', `--version must be a positive integer, got ${options.version}`);
  const now = options.now ?? new Date();
  const list = [];
  for (const a of artifacts) list.push(await releaseArtifactDigest(a));
  const record: ReleaseRecord = { channel: options.channel, version: options.version, expires: parseExpiry(options.expires, now), created: isoSeconds(now), artifacts: list };
  const payload = serializeStatement(buildReleaseStatement(record));
  const { envelope, signed } = await addSignature({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signatures: [] }, options);
  return { record: parseReleaseStatement(envelope.payload), envelope, json: serializeReleaseEnvelope(envelope), signed };
}

/**
 * Adds a signature to a release file in place (over the exact payload bytes it holds).
 * Refuses a key that already signed it, bare or in a bundle: it would count once anyway.
 * A Sigstore identity signs with a new key each time: the gate counts it once too.
 */
export async function signReleaseFile(file: string, signing: SigningKey | ReleaseSigning): Promise<ReleaseResult> {
  const options: ReleaseSigning = 'publicKey' in signing ? { key: signing } : signing;
  const env = readReleaseEnvelope(file);
  const record = parseReleaseStatement(env.payload, file);
  const key = options.key;
  if (key && (verifiedSigners(env, [key.publicKey]).length > 0 || (env.bundles ?? []).some((b) => bundleKeyHint(b) === key.publicKey.hint))) {
    throw new ModelsealError('USAGE_ERROR', `is already signed by key ${key.publicKey.hint.slice(0, 12)}…; a key counts once toward the threshold`, { file });
  }
  const { envelope, signed } = await addSignature(env, options);
  const json = serializeReleaseEnvelope(envelope);
  writeFileAtomic(file, json, { force: true });
  return { record, envelope, json, signed };
}

/** The hint of the key a bundle names or certifies (unverified: only to spot a repeat on the publishing side). */
function bundleKeyHint(bundle: NonNullable<ReleaseEnvelope['bundles']>[number]): string | undefined {
  const m = bundle.material;
  if (m.kind === 'publicKey') return m.hint;
  try {
    const der = m.kind === 'certificate' ? m.certificate : m.certificates[0];
    return publicKeyInfo(createPublicKey(new X509Certificate(der).publicKey.export({ type: 'spki', format: 'pem' }))).hint;
  } catch {
    return undefined;
  }
}
