import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';

/** The CycloneDX schemas as shipped in the @cyclonedx/cyclonedx-library dev dependency (read in place, never copied). */
const SCHEMA_DIR = path.join(path.dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');

function load(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, name), 'utf8'));
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** A draft-07 validator for CycloneDX 1.6 JSON, with the formats it uses (ajv-formats is not installed). */
export function cyclonedx16Validator(): ValidateFunction {
  // The shipped schema does not pass ajv's strict schema checks (e.g. `required` names outside `properties`,
  // the `meta:enum` annotation); strictness is about the schema, not about validating the data.
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('date-time', (v: string) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));
  ajv.addFormat('idn-email', (v: string) => /^[^\s@]+@[^\s@]+$/.test(v));
  // URI references: no spaces or control characters, and they resolve against a base.
  ajv.addFormat('iri-reference', (v: string) => !/[\s\u0000-\u001f<>"{}|\\^`]/.test(v) && URL.canParse(v, 'http://base.invalid/'));
  ajv.addFormat('uri', (v: string) => !/\s/.test(v) && /^[a-z][a-z0-9+.-]*:/i.test(v) && URL.canParse(v));
  // bom-1.6 refers to its neighbours by their SNAPSHOT file names; their $id lacks "SNAPSHOT".
  for (const name of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
    ajv.addSchema({ ...load(name), $id: `http://cyclonedx.org/schema/${name}` });
  }
  return ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'));
}
