import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './cli';
import { PEER_PYTHON } from './peers';
import { tmpDir } from './tmp';

/** Runs one of test/fixtures/python/*.py with the peers' Python; it prints a JSON index. */
export function runPythonFixture<T>(script: string, out: string, timeout = 300_000): T {
  const r = spawnSync(PEER_PYTHON, [path.join(REPO, 'test/fixtures/python', script), out], { encoding: 'utf8', timeout });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as T;
}

/** A fresh copy of a generated model folder (tests change their copy, never the original). */
export function copyModel(from: string): string {
  const to = path.join(tmpDir(), path.basename(from));
  fs.cpSync(from, to, { recursive: true });
  return to;
}
