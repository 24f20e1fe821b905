/** docs/security.md lists every hostile case; each row has a test and each test a row. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../helpers/cli';

const DOC = path.join(REPO, 'docs', 'security.md');
const HOSTILE = path.join(REPO, 'test', 'hostile');

function documented(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const m of fs.readFileSync(DOC, 'utf8').matchAll(/^\| ([A-Z]-\d{2}) \|(.*)\|\s*$/gm)) {
    if (rows.has(m[1])) throw new Error(`${m[1]} is listed twice in docs/security.md`);
    rows.set(m[1], m[2]);
  }
  return rows;
}

function tested(): Set<string> {
  const ids = new Set<string>();
  for (const f of fs.readdirSync(HOSTILE).filter((n) => n.endsWith('.test.ts'))) {
    for (const m of fs.readFileSync(path.join(HOSTILE, f), 'utf8').matchAll(/hostile\('([A-Z]-\d{2})'/g)) {
      if (ids.has(m[1])) throw new Error(`${m[1]} is used by two tests`);
      ids.add(m[1]);
    }
  }
  return ids;
}

it('every hostile test has a row in docs/security.md and every row a test', () => {
  const docs = documented();
  const tests = tested();
  expect([...tests].filter((id) => !docs.has(id)).sort()).toEqual([]);
  expect([...docs.keys()].filter((id) => !tests.has(id)).sort()).toEqual([]);
});

it('each row names its result and the attack it stands for', () => {
  for (const [id, cells] of documented()) {
    const [input, result, attack] = cells.split('|').map((c) => c.trim());
    expect({ id, input: input.length > 0, result: result.length > 0, attack: attack?.length > 0 }).toEqual({ id, input: true, result: true, attack: true });
  }
});

it('the matrix has at least 60 distinct cases', () => {
  expect(tested().size).toBeGreaterThanOrEqual(60);
});
