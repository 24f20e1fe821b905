import { ModelsealError } from '../errors';
import { parseRfc3339 } from '../util/rfc3339';
import { describeSchemaError, schemaValidator } from '../policy/schema';
import { parseJson } from '../envelope/read-json';
import { STATEMENT_TYPE_V1, type Statement } from '../statement/statement';

export const RELEASE_PREDICATE_TYPE = 'https://modelseal.dev/release/v1';

export interface ReleaseArtifact {
  name: string;
  /** Hex SHA-256 OMS root digest. */
  digest: string;
}

export interface ReleaseRecord {
  channel: string;
  version: number;
  /** Expiry as an RFC 3339 UTC string with second precision. */
  expires: string;
  created?: string;
  artifacts: ReleaseArtifact[];
}

/** RFC 3339 UTC with second precision, the only time form a release record holds. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The in-toto statement of a release record; subjects sorted by name. */
export function buildReleaseStatement(record: ReleaseRecord): Statement<Record<string, unknown>> {
  const names = new Set<string>();
  for (const a of record.artifacts) {
    if (names.has(a.name)) throw new ModelsealError('USAGE_ERROR', `two artifacts are named ${JSON.stringify(a.name)}; a release names each artifact once`);
    names.add(a.name);
  }
  const subject = [...record.artifacts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((a) => ({ name: a.name, digest: { sha256: a.digest } }));
  const predicate: Record<string, unknown> = { channel: record.channel, version: record.version, expires: record.expires };
  if (record.created) predicate.created = record.created;
  const statement = { _type: STATEMENT_TYPE_V1, subject, predicateType: RELEASE_PREDICATE_TYPE, predicate };
  checkSchema(statement);
  return statement;
}

function checkSchema(statement: unknown, file?: string): void {
  const validate = schemaValidator('release-record.schema.json');
  if (!validate(statement)) throw new ModelsealError('RELEASE_INVALID', `the release record ${describeSchemaError(validate.errors)}`, { file });
}

/** Parses verified payload bytes as a release record (schema-checked, unique names). */
export function parseReleaseStatement(payload: Buffer, file?: string): ReleaseRecord {
  const s = parseJson(payload, file, 'RELEASE_INVALID', 'the signed release record') as Record<string, unknown>;
  if (s && typeof s === 'object' && s.predicateType !== RELEASE_PREDICATE_TYPE) {
    throw new ModelsealError('RELEASE_INVALID', `predicateType ${JSON.stringify(s.predicateType)} is not a release record (${RELEASE_PREDICATE_TYPE})`, { file });
  }
  checkSchema(s, file);
  const statement = s as unknown as Statement<{ channel: string; version: number; expires: string; created?: string }>;
  const artifacts = statement.subject.map((x) => ({ name: x.name as string, digest: (x.digest as { sha256: string }).sha256 }));
  const names = new Set(artifacts.map((a) => a.name));
  if (names.size !== artifacts.length) throw new ModelsealError('RELEASE_INVALID', 'the release record names an artifact twice', { file });
  const { channel, version, expires, created } = statement.predicate;
  // One strict reading (JavaScript reads 2031-02-30 as March 2nd), in the canonical form we write.
  for (const [field, t] of [['expires', expires], ['created', created]] as const) {
    if (t === undefined) continue;
    const at = parseRfc3339(t);
    if (!at || isoSeconds(at) !== t) throw new ModelsealError('RELEASE_INVALID', `${field} ${JSON.stringify(t)} is not a valid time`, { file });
  }
  return { channel, version, expires, ...(created ? { created } : {}), artifacts };
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

/** Milliseconds of a duration such as `90s`, `30m`, `12h`, `7d`, `2w`; null when it is not one. */
export function durationMs(value: string): number | null {
  const m = /^([1-9][0-9]{0,6})([smhdw])$/.exec(value);
  return m ? Number(m[1]) * UNITS[m[2]] * 1000 : null;
}

/** Parses an expiry: a duration from `now` (`90s`, `30m`, `12h`, `7d`, `2w`) or an RFC 3339 UTC time. */
export function parseExpiry(value: string, now: Date): string {
  const ms = durationMs(value);
  if (ms !== null) return isoSeconds(new Date(now.getTime() + ms));
  const at = parseRfc3339(value);
  if (at) {
    if (at.getTime() <= now.getTime()) throw new ModelsealError('USAGE_ERROR', `--expires ${value} is already past`);
    return isoSeconds(at);
  }
  throw new ModelsealError('USAGE_ERROR', `--expires ${JSON.stringify(value)} is neither a duration (90s, 30m, 12h, 7d, 2w) nor a UTC time (2026-12-01T00:00:00Z)`);
}
