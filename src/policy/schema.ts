import Ajv2020 from 'ajv/dist/2020';
import * as path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import levenshtein from 'fast-levenshtein';

/** The packaged schemas/ folder (two levels above dist/policy and src/policy alike). */
export const SCHEMA_DIR = path.resolve(__dirname, '..', '..', 'schemas');

const cache = new Map<string, ValidateFunction>();

/** A compiled validator for one of our JSON Schemas in schemas/. */
export function schemaValidator(name: string, options: { allErrors?: boolean } = {}): ValidateFunction {
  const all = options.allErrors === true;
  let v = cache.get(`${name}${all ? '#all' : ''}`);
  if (!v) {
    // allErrors (every problem at once) with verbose (the schema beside each error, for suggestions).
    const ajv = new Ajv2020({ allErrors: all, verbose: all, strict: true, strictRequired: false, useDefaults: false });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    v = ajv.compile(require(path.join(SCHEMA_DIR, name)));
    cache.set(`${name}${all ? '#all' : ''}`, v);
  }
  return v;
}

/** The nearest of `names` to a misspelt one, if it is near enough to be a typo. */
export function nearestName(name: string, names: string[]): string | undefined {
  const best = names.map((n) => ({ n, d: levenshtein.get(name.toLowerCase(), n.toLowerCase()) })).sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))[0];
  return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.n : undefined;
}

/**
 * One readable line per schema problem (from a validator made with allErrors), with the
 * nearest known field for an unknown one ("unknown field "signer" (did you mean "signers"?)").
 * A missing field that a misspelt one explains is not repeated, and the branches of a
 * "one of" are said once.
 */
export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): string[] {
  const list = errors ?? [];
  const out: string[] = [];
  const suggested = new Set<string>();
  for (const e of list) {
    if (e.keyword !== 'additionalProperties') continue;
    const field = (e.params as { additionalProperty: string }).additionalProperty;
    const known = Object.keys((e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
    const near = nearestName(field, known);
    if (near) suggested.add(`${e.instancePath}\u0000${near}`);
    out.push(`${e.instancePath || '/'}: unknown field ${JSON.stringify(field)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`);
  }
  for (const e of list) {
    if (e.keyword === 'additionalProperties' || e.keyword === 'if') continue;
    if (e.schemaPath.includes('/oneOf/') || e.schemaPath.includes('/anyOf/')) continue; // said once, by the oneOf error
    const at = e.instancePath || '/';
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      if (!suggested.has(`${e.instancePath}\u0000${missing}`)) out.push(`${at}: missing field ${JSON.stringify(missing)}`);
    } else if (e.keyword === 'oneOf' || e.keyword === 'anyOf') {
      const branches = (e.schema as Array<{ required?: string[] }>).map((b) => (b.required ?? []).join('+')).filter(Boolean);
      out.push(branches.length ? `${at}: needs exactly one of ${branches.map((b) => JSON.stringify(b)).join(', ')}` : `${at}: ${e.message}`);
    } else {
      out.push(describeSchemaError([e]));
    }
  }
  return [...new Set(out)];
}

/** One readable line for the first schema error, e.g. `/artifacts/0: unknown field "kindz"`. */
export function describeSchemaError(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'does not match the schema';
  const at = e.instancePath || '/';
  if (e.keyword === 'additionalProperties') return `${at}: unknown field ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
  if (e.keyword === 'required') return `${at}: missing field ${JSON.stringify((e.params as { missingProperty: string }).missingProperty)}`;
  if (e.keyword === 'enum' || e.keyword === 'const') return `${at}: ${e.message} (${JSON.stringify((e.params as { allowedValues?: unknown; allowedValue?: unknown }).allowedValues ?? (e.params as { allowedValue?: unknown }).allowedValue)})`;
  return `${at}: ${e.message}`;
}
