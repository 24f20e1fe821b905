import { ModelsealError } from '../errors';
import type { DsseEnvelope } from '../envelope/dsse';
import type { SigningKey } from '../keys/signing-key';
import { writeFileAtomic } from '../util/atomic-write';
import { releaseArtifactDigest } from './release-artifacts';
import { addReleaseSignature, readReleaseEnvelope, serializeReleaseEnvelope, signReleaseStatement, verifiedSigners } from './release-envelope';
import { buildReleaseStatement, isoSeconds, parseExpiry, parseReleaseStatement, type ReleaseRecord } from './release-record';

export interface CreateReleaseOptions {
  channel: string;
  version: number;
  /** A duration from now (`7d`, `12h`...) or an RFC 3339 UTC time. */
  expires: string;
  key: SigningKey;
  now?: Date;
}

export interface ReleaseResult {
  record: ReleaseRecord;
  envelope: DsseEnvelope;
  /** The release file's text (a DSSE envelope, JSON). */
  json: string;
}

/** Builds and signs a release record for signed artifacts (their OMS signatures at the default location). */
export async function createRelease(artifacts: readonly string[], options: CreateReleaseOptions): Promise<ReleaseResult> {
  if (artifacts.length === 0) throw new ModelsealError('USAGE_ERROR', 'a release names at least one artifact');
  if (!Number.isSafeInteger(options.version) || options.version < 1) throw new ModelsealError('USAGE_ERROR', `--version must be a positive integer, got ${options.version}`);
  const now = options.now ?? new Date();
  const list = [];
  for (const a of artifacts) list.push(await releaseArtifactDigest(a));
  const record: ReleaseRecord = { channel: options.channel, version: options.version, expires: parseExpiry(options.expires, now), created: isoSeconds(now), artifacts: list };
  const envelope = signReleaseStatement(buildReleaseStatement(record), options.key);
  return { record: parseReleaseStatement(envelope.payload), envelope, json: serializeReleaseEnvelope(envelope) };
}

/** Adds a signature to a release file in place. Refuses a key that already signed it (it would count once anyway). */
export function signReleaseFile(file: string, key: SigningKey): ReleaseResult {
  const env = readReleaseEnvelope(file);
  const record = parseReleaseStatement(env.payload, file);
  if (verifiedSigners(env, [key.publicKey]).length > 0) {
    throw new ModelsealError('USAGE_ERROR', `is already signed by key ${key.publicKey.hint.slice(0, 12)}…; a key counts once toward the threshold`, { file });
  }
  const envelope = addReleaseSignature(env, key);
  const json = serializeReleaseEnvelope(envelope);
  writeFileAtomic(file, json, { force: true });
  return { record, envelope, json };
}
