import * as path from 'node:path';
import type { ModelsealError } from '../api/errors';

/**
 * The one vocabulary of every command's --json output (docs/json-output.md, schemas/cli/):
 * success and refusal share `ok` and the command's fields; a refusal adds
 * `error: { code, message, file?, details? }`. Whatever a command passes, digests come out as
 * "sha256:<hex>" and `artifact` as an absolute path, so scripts read one form everywhere.
 */
export function successJson(fields: Record<string, unknown>): Record<string, unknown> {
  return normalize({ ok: true, ...fields }) as Record<string, unknown>;
}

export function refusalJson(error: ModelsealError, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return normalize({ ok: false, ...fields, error: error.toJSON() }) as Record<string, unknown>;
}

/**
 * A list in a --json document that is written as it is produced, item by item (a
 * manifest of a million resources never becomes one string, nor a million objects).
 */
export class JsonList {
  constructor(readonly items: () => Iterable<unknown>) {}
}

/** The items of a JsonList, normalized like the rest of the document. */
export function* normalizedItems(list: JsonList): Generator<unknown> {
  for (const item of list.items()) yield normalize(item);
}

const HEX64 = /^[0-9a-f]{64}$/;
const DIGEST_KEYS = new Set(['digest', 'rootDigest', 'recordDigest']);

function normalize(value: unknown, key?: string, raw = false): unknown {
  if (key !== undefined && DIGEST_KEYS.has(key) && !raw) {
    if (typeof value === 'string' && HEX64.test(value)) return `sha256:${value}`;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as Record<string, unknown>;
      if (Object.keys(v).length === 1 && typeof v.sha256 === 'string' && HEX64.test(v.sha256)) return `sha256:${v.sha256}`;
    }
  }
  if (key === 'artifact' && typeof value === 'string') return path.resolve(value);
  if (Array.isArray(value)) return value.map((v) => normalize(v));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    // A manifest resource ({ name, algorithm, digest }) keeps its bare digest: its algorithm says what it is.
    const own = 'algorithm' in value;
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = normalize(v, k, own);
    return out;
  }
  return value;
}
