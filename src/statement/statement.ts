import { ModelsealError } from '../errors';
import { parseJson } from '../envelope/read-json';
import type { StrictJsonOptions } from '../envelope/strict-json';
import { quoted } from '../names';

export const STATEMENT_TYPE_V1 = 'https://in-toto.io/Statement/v1';

export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  annotations?: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface Statement<P = Record<string, unknown>> {
  _type: string;
  subject: ResourceDescriptor[];
  predicateType: string;
  predicate: P;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Serializes a statement as model_signing does (protobuf MessageToJson: 2-space indent). */
export function serializeStatement(statement: Statement<unknown>): Buffer {
  return Buffer.from(JSON.stringify(statement, null, 2), 'utf8');
}

/**
 * Parses the verified payload bytes as an in-toto Statement v1 and checks its
 * envelope-level shape; predicate checks belong to the predicate's parser.
 */
export function parseStatement(payload: Buffer, file?: string, items?: StrictJsonOptions['items']): Statement {
  const s = parseJson(payload, file, 'STATEMENT_INVALID', 'the signed statement', { items });
  const bad = (m: string) => new ModelsealError('STATEMENT_INVALID', m, { file });
  if (!isObject(s)) throw bad('the signed statement is not a JSON object');
  if (s._type !== STATEMENT_TYPE_V1) throw bad(`statement _type is ${quoted(s._type)}, expected ${STATEMENT_TYPE_V1}`);
  if (!Array.isArray(s.subject) || s.subject.length === 0) throw bad('statement has no subject');
  for (const sub of s.subject) {
    if (!isObject(sub) || !isObject(sub.digest) || Object.keys(sub.digest).length === 0) throw bad('a statement subject has no digest');
  }
  if (typeof s.predicateType !== 'string' || s.predicateType === '') throw bad('statement has no predicateType');
  if (s.predicate !== undefined && !isObject(s.predicate)) throw bad('statement predicate is not an object');
  return { _type: s._type, subject: s.subject as ResourceDescriptor[], predicateType: s.predicateType, predicate: (s.predicate ?? {}) as Record<string, unknown> };
}
