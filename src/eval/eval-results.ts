import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { ModelsealError, fsError } from '../errors';
import { parseJson, readBoundedFile } from '../envelope/read-json';
import { describeSchemaError, schemaValidator } from '../policy/schema';
import type { TestLists } from '../statement/test-result';
import { quoted } from '../names';

const MAX_RESULTS_BYTES = 64 * 1024 * 1024;

export interface EvalResults extends TestLists {
  url?: string;
}

/** Reads an evaluation results file (schemas/eval-results.schema.json). */
export function readEvalResults(file: string): EvalResults {
  const bytes = readBoundedFile(file, MAX_RESULTS_BYTES, { tooLarge: 'EVAL_RESULTS_INVALID' });
  const raw = parseJson(bytes, file, 'EVAL_RESULTS_INVALID', 'the results file');
  const validate = schemaValidator('eval-results.schema.json');
  if (!validate(raw)) throw new ModelsealError('EVAL_RESULTS_INVALID', `${describeSchemaError(validate.errors)} (expected {"passedTests": [...], "warnedTests": [...], "failedTests": [...]} with at least one test)`, { file });
  const r = raw as Partial<EvalResults>;
  const lists = { passedTests: r.passedTests ?? [], warnedTests: r.warnedTests ?? [], failedTests: r.failedTests ?? [] };
  const all = [...lists.passedTests, ...lists.warnedTests, ...lists.failedTests];
  if (all.length === 0) throw new ModelsealError('EVAL_RESULTS_INVALID', 'lists no tests', { file });
  const seen = new Set<string>();
  for (const name of all) {
    if (seen.has(name)) throw new ModelsealError('EVAL_RESULTS_INVALID', `test ${quoted(name)} is listed under two results`, { file });
    seen.add(name);
  }
  return { ...lists, ...(r.url !== undefined ? { url: r.url } : {}) };
}

/** SHA-256 (hex) of the suite file: what a policy names as `suite: sha256:HEX`. */
export function suiteDigest(file: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    throw fsError(err, file);
  }
  if (!st.isFile()) throw new ModelsealError('EVAL_RESULTS_INVALID', 'the suite must be a regular file', { file });
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(256 * 1024);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}
