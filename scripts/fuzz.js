#!/usr/bin/env node
// Long fuzzing run: `FUZZ_SECONDS=300 npm run fuzz`. Runs the fuzz targets of
// test/fuzz/ with fresh random seeds for FUZZ_SECONDS (default 60) in total, then
// prints executions and failures per target. Exit 1 if anything escaped.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const seconds = Number(process.env.FUZZ_SECONDS ?? 60);
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`FUZZ_SECONDS must be a positive number of seconds, got ${process.env.FUZZ_SECONDS}`);
  process.exit(2);
}
const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'modelseal-fuzz-')), 'report.jsonl');
const jest = require.resolve('jest/bin/jest');
const started = Date.now();
const run = spawnSync(process.execPath, [jest, '--runInBand', '--rootDir', path.resolve(__dirname, '..'), 'test/fuzz/fuzz.test.ts'], {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, FUZZ_SECONDS: String(seconds), FUZZ_REPORT: report },
});
const rows = fs.existsSync(report) ? fs.readFileSync(report, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
fs.rmSync(path.dirname(report), { recursive: true, force: true });

let executions = 0;
let failures = 0;
console.log(`\nmodelseal fuzz: ${seconds} s requested, ${((Date.now() - started) / 1000).toFixed(0)} s elapsed`);
for (const r of rows) {
  executions += r.executions;
  failures += r.failures.length;
  console.log(`  ${String(r.executions).padStart(9)} executions  ${String(r.failures.length).padStart(3)} failures  ${r.seconds.toFixed(0).padStart(4)} s  ${r.target}`);
  for (const f of r.failures) console.log(`      seed ${f.seed}: ${f.error}\n        counterexample ${f.counterexample}`);
}
console.log(`  ${String(executions).padStart(9)} executions  ${String(failures).padStart(3)} failures  total`);
if (rows.length === 0) console.log('  no fuzz report was written (did the test file fail to load?)');
process.exit(run.status === 0 && failures === 0 && rows.length > 0 ? 0 : 1);
