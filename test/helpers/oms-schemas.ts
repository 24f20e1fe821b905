import Ajv2020 from 'ajv/dist/2020';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { vector } from './vectors';

/** The OMS v1.0 spec's own JSON Schemas (from the shared vectors), compiled together. */
export function omsSchemas(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const dir = vector('oms-v1.0/schemas/v1.0');
  for (const f of fs.readdirSync(dir)) ajv.addSchema(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
  return ajv;
}
