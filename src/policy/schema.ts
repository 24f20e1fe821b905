import Ajv2020 from 'ajv/dist/2020';
import * as path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';

/** The packaged schemas/ folder (two levels above dist/policy and src/policy alike). */
export const SCHEMA_DIR = path.resolve(__dirname, '..', '..', 'schemas');

const cache = new Map<string, ValidateFunction>();

/** A compiled validator for one of our JSON Schemas in schemas/. */
export function schemaValidator(name: string): ValidateFunction {
  let v = cache.get(name);
  if (!v) {
    const ajv = new Ajv2020({ allErrors: false, strict: true, strictRequired: false, useDefaults: false });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    v = ajv.compile(require(path.join(SCHEMA_DIR, name)));
    cache.set(name, v);
  }
  return v;
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
