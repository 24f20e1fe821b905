/**
 * Fuzzing inside the normal suite: fixed seed, bounded runs. With FUZZ_SECONDS set
 * (`npm run fuzz`), each target instead runs with fresh random seeds for its share of
 * the time, keeps going after a failure, and appends its counts to FUZZ_REPORT.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import { tmpDir } from '../helpers/tmp';
import { checkMutation, makeContext, TARGETS, type FuzzContext } from './targets';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 0);
const SEED = 20261126;
let ctx: FuzzContext;

beforeAll(async () => {
  ctx = await makeContext(tmpDir());
});

interface LongRunStats {
  target: string;
  executions: number;
  failures: Array<{ seed: number; counterexample: string; error: string }>;
  seconds: number;
}

async function longRun(name: string, property: fc.IRawProperty<any>, ms: number): Promise<LongRunStats> {
  const started = Date.now();
  const stats: LongRunStats = { target: name, executions: 0, failures: [], seconds: 0 };
  while (Date.now() - started < ms) {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const details = await fc.check(property, { seed, numRuns: 1000, interruptAfterTimeLimit: Math.max(1, ms - (Date.now() - started)), markInterruptAsFailure: false });
    stats.executions += details.numRuns;
    if (details.failed) {
      stats.failures.push({ seed, counterexample: fc.stringify(details.counterexample).slice(0, 500), error: String((details.errorInstance as Error)?.message ?? details.errorInstance).slice(0, 500) });
    }
  }
  stats.seconds = (Date.now() - started) / 1000;
  return stats;
}

describe('fuzzing', () => {
  for (const target of TARGETS) {
    it(
      target.name,
      async () => {
        const property = target.property(ctx) as fc.IRawProperty<any>;
        if (!SECONDS) {
          await fc.assert(property, { seed: SEED, numRuns: target.runs });
          return;
        }
        const stats = await longRun(target.name, property, (SECONDS * 1000) / TARGETS.length);
        if (process.env.FUZZ_REPORT) fs.appendFileSync(process.env.FUZZ_REPORT, JSON.stringify(stats) + '\n');
        expect(stats.failures).toEqual([]);
      },
      SECONDS ? SECONDS * 1000 + 120_000 : 120_000,
    );
  }

  it('mutation, exhaustive: every byte of a real model.sig, flipped, never verifies other content', async () => {
    const rnd = fc.sample(fc.integer({ min: 1, max: 255 }), { seed: SEED, numRuns: ctx.signatureBytes.length });
    const outcomes = { refused: 0, 'same-content': 0 };
    for (let at = 0; at < ctx.signatureBytes.length; at++) outcomes[await checkMutation(ctx, at, rnd[at])]++;
    expect(outcomes.refused + outcomes['same-content']).toBe(ctx.signatureBytes.length);
    // Only a base64 alphabet swap may re-encode the same bytes; that is rare, not the rule.
    expect(outcomes['same-content']).toBeLessThan(5);
  }, 300_000);
});
