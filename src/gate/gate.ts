import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError, fsError } from '../errors';
import { IN_TOTO_PAYLOAD_TYPE } from '../envelope/dsse';
import { loadPolicy } from '../policy/load-policy';
import type { Policy } from '../policy/policy-types';
import { refuseOutputInside } from '../sign/signature-path';
import { verifyReleaseArtifact } from './artifact-check';
import { bindsVerifiedDigest } from '../verify/bound-digest';
import { emptyState, readState, withStateLock, writeState, MAX_HISTORY, STATE_FILE, type GateState } from './gate-state';
import { releaseNameOf } from './release-artifacts';
import { readReleaseEnvelope, type ReleaseEnvelope } from './release-envelope';
import { countReleaseSigners, type ReleaseSigner } from './release-signers';
import { durationMs, isoSeconds, parseReleaseStatement, type ReleaseRecord } from './release-record';

export interface GateOptions {
  /**
   * The channel this gate guards (required): a record for any other channel is refused
   * (CHANNEL_MISMATCH), so a channel with a lower threshold cannot stand in for it.
   */
  channel: string;
  /** Create the state on first use. Never resets an existing (or corrupt) state. */
  init?: boolean;
  /** The clock; read once per check, as TUF fixes the update start time. */
  now?: () => Date;
  /** Milliseconds after which a lock left by a killed gate is taken over (min 5000). */
  lockStaleMs?: number;
  /** Folders of signature/provenance bundles for the artifacts' lineage checks. */
  attestations?: string[];
}

export interface GateDecision {
  accepted: true;
  channel: string;
  version: number;
  previousVersion: number | null;
  expires: string;
  /** `sha256:<hex>` of the signed payload. */
  recordDigest: string;
  /** The `id` of each distinct trusted signer that signed for the channel (for keys, SHA-256 of the canonical SPKI DER). */
  signers: string[];
  /** Who they are: policy signer name, method, key hint, identity and issuer. */
  signedBy: ReleaseSigner[];
  threshold: number;
  artifacts: Array<{ name: string; path: string; digest: string }>;
}

/**
 * The update gate: accepts a release only when a threshold of distinct trusted signers
 * (keys, Sigstore identities, CA-certified subjects) signed it for its channel, it has not expired, its version is above the last one
 * accepted for the channel, and the artifacts given are exactly the record's, each
 * passing its own signature check. An accepted release is recorded crash-safely under
 * the state folder, serialized with other gates by a file lock.
 */
export class Gate {
  readonly policy: Policy;
  readonly stateDir: string;
  private readonly options: GateOptions;

  constructor(policy: Policy | string, stateDir: string, options: GateOptions) {
    if (typeof options?.channel !== 'string' || options.channel === '') {
      throw new ModelsealError('USAGE_ERROR', 'say which release channel the gate guards (--channel C, or { channel } in the Gate options)');
    }
    this.policy = typeof policy === 'string' ? loadPolicy(policy) : policy;
    this.stateDir = path.resolve(stateDir);
    this.options = options;
  }

  /** Checks a release (a release.json path or a parsed envelope) against the artifact paths; records it if accepted. */
  async check(release: string | ReleaseEnvelope, paths: readonly string[]): Promise<GateDecision> {
    // The state is created and written here: never inside an artifact it admits (real paths).
    for (const p of paths) refuseOutputInside(p, path.join(this.stateDir, STATE_FILE), 'the gate state');
    const now = (this.options.now ?? (() => new Date()))();
    const file = typeof release === 'string' ? path.resolve(release) : undefined;
    const env = typeof release === 'string' ? readReleaseEnvelope(release) : release;
    this.checkStateReadable();

    // 1. The channel this gate guards, and signatures by its keys before the payload is parsed.
    const channel = this.options.channel;
    const rule = this.policy.channels.get(channel);
    if (!rule) throw new ModelsealError('CHANNEL_UNKNOWN', `the gate guards channel ${JSON.stringify(channel)}, which the policy does not define`, { file: this.policy.file });
    const total = env.signatures.length + (env.bundles?.length ?? 0);
    if (total === 0) throw new ModelsealError('SIGNATURE_MISMATCH', 'the release record carries no signature', { file });
    const { counted, skipped } = countReleaseSigners(env, this.policy, rule.signers, file);
    const why = skipped.length ? ` (${skipped.length} bundle(s) did not count; first: ${skipped[0]})` : '';
    if (counted.length === 0) throw new ModelsealError('SIGNATURE_MISMATCH', `none of the ${total} signature(s) verifies with a signer the policy trusts for channel ${JSON.stringify(channel)}${why}`, { file });
    if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new ModelsealError('RELEASE_INVALID', `payloadType is ${JSON.stringify(env.payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`, { file });
    const record = parseReleaseStatement(env.payload, file);
    const recordDigest = `sha256:${createHash('sha256').update(env.payload).digest('hex')}`;
    if (record.channel !== channel) {
      throw new ModelsealError('CHANNEL_MISMATCH', `the release record is for channel ${JSON.stringify(record.channel)}, but this gate guards ${JSON.stringify(channel)}`, { file });
    }

    // 2. Threshold of distinct signers (keys, identities) trusted for this channel.
    if (counted.length < rule.threshold) {
      throw new ModelsealError('THRESHOLD_NOT_MET', `${counted.length} distinct trusted key(s) or identities signed for channel ${JSON.stringify(record.channel)}; it needs ${rule.threshold}${why}`, { file, details: { signers: counted.map((k) => k.id), threshold: rule.threshold } });
    }

    // 3. Freeze: an expired record is refused.
    if (Date.parse(record.expires) <= now.getTime()) {
      throw new ModelsealError('RELEASE_EXPIRED', `the release record expired at ${record.expires} (now ${isoSeconds(now)}); a fresh record must be signed`, { file });
    }

    const maxAhead = rule.maxExpiry === undefined ? null : durationMs(rule.maxExpiry);
    if (maxAhead !== null && Date.parse(record.expires) - now.getTime() > maxAhead) {
      throw new ModelsealError('RELEASE_INVALID', `the release record expires at ${record.expires}, more than ${rule.maxExpiry} ahead; channel ${JSON.stringify(record.channel)} allows at most ${rule.maxExpiry}`, { file });
    }

    // 4. Rollback, early (re-checked under the lock before anything is recorded).
    this.checkVersion(this.currentState(), record, recordDigest, file);

    // 5. Mix-and-match: exactly the record's artifacts, each with its digest and its own valid signature.
    const artifacts = await this.checkArtifacts(record, paths, now, file);

    // 6. Record, serialized with other gates.
    const previous = await withStateLock(this.stateDir, this.options.lockStaleMs ?? 10_000, (assertLockHeld) => {
      const state = this.currentState();
      const prev = this.checkVersion(state, record, recordDigest, file);
      const entry = { version: record.version, recordDigest, expires: record.expires, acceptedAt: isoSeconds(now) };
      const seq = (state.history[state.history.length - 1]?.seq ?? 0) + 1;
      const next: GateState = {
        ...state,
        channels: { ...state.channels, [record.channel]: entry },
        history: [...state.history, { seq, channel: record.channel, ...entry }].slice(-MAX_HISTORY),
      };
      writeState(this.stateDir, next, assertLockHeld);
      return prev;
    });
    return {
      accepted: true,
      channel: record.channel,
      version: record.version,
      previousVersion: previous,
      expires: record.expires,
      recordDigest,
      signers: counted.map((k) => k.id),
      signedBy: counted,
      threshold: rule.threshold,
      artifacts,
    };
  }

  /** Missing state is refused unless init (which creates the folder); corrupt state always is. */
  private checkStateReadable(): void {
    if (this.options.init) {
      try {
        fs.mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw fsError(err, this.stateDir);
      }
    }
    this.currentState();
  }

  private currentState(): GateState {
    if (!fs.existsSync(this.stateDir)) {
      throw new ModelsealError('STATE_MISSING', 'gate state folder does not exist; pass --init on the first run only', { file: this.stateDir });
    }
    const state = readState(this.stateDir);
    if (state) return state;
    if (this.options.init) return emptyState();
    throw new ModelsealError('STATE_MISSING', 'gate state is missing; pass --init on the first run only (a lost state would let a rollback through)', { file: this.stateDir });
  }

  private checkVersion(state: GateState, record: ReleaseRecord, recordDigest: string, file?: string): number | null {
    const last = state.channels[record.channel];
    if (last && record.version <= last.version) {
      const kind = record.version === last.version ? (last.recordDigest === recordDigest ? 'a replay of the accepted record' : 'a different record reusing the accepted version') : 'a rollback';
      throw new ModelsealError('ROLLBACK', `version ${record.version} is not above ${last.version}, the last accepted for channel ${JSON.stringify(record.channel)} (${kind}); a downgrade is a new release with a higher version`, { file });
    }
    return last?.version ?? null;
  }

  private async checkArtifacts(record: ReleaseRecord, paths: readonly string[], now: Date, file?: string): Promise<GateDecision['artifacts']> {
    const given = new Map<string, string>();
    for (const p of paths) {
      const name = releaseNameOf(p);
      if (given.has(name)) throw new ModelsealError('USAGE_ERROR', `two artifacts are named ${JSON.stringify(name)}`, { file: p });
      given.set(name, p);
    }
    const wanted = new Map(record.artifacts.map((a) => [a.name, a.digest]));
    const missing = [...wanted.keys()].filter((n) => !given.has(n));
    const extra = [...given.keys()].filter((n) => !wanted.has(n));
    if (missing.length || extra.length) {
      const parts = [missing.length ? `missing ${missing.map((n) => JSON.stringify(n)).join(', ')}` : '', extra.length ? `not in the record ${extra.map((n) => JSON.stringify(n)).join(', ')}` : ''].filter(Boolean);
      throw new ModelsealError('RELEASE_MISMATCH', `the artifacts given are not the release's set: ${parts.join('; ')}`, { file, details: { missing, extra } });
    }
    const out: GateDecision['artifacts'] = [];
    for (const [name, p] of given) {
      const want = wanted.get(name) as string;
      const check = (digest: string) => {
        if (!bindsVerifiedDigest(digest, want)) throw new ModelsealError('RELEASE_MISMATCH', `artifact ${JSON.stringify(name)} is signed as root digest ${digest}, the release record binds ${want}`, { file: p });
      };
      // Checked on the digest its signature claims (before hashing), and again on the verified one.
      check((await verifyReleaseArtifact(this.policy, name, p, { attestations: this.options.attestations, now, expectDigest: check })).rootDigest);
      out.push({ name, path: path.resolve(p), digest: want });
    }
    return out;
  }
}
