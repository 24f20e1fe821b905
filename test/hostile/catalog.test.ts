/**
 * docs/security.md lists every hostile case; each row has a test and each test a row.
 * A row is tested either by a `hostile('X-NN', ...)` test in test/hostile/, or, where a
 * test elsewhere already covers the case, by that test: the row then ends with
 * "(test: `test/FILE.test.ts` › TITLE)" and TITLE must be a quoted test title in FILE.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../helpers/cli';

const DOC = path.join(REPO, 'docs', 'security.md');
const HOSTILE = path.join(REPO, 'test', 'hostile');
const ELSEWHERE = /\(test: `(test\/[^`]+\.test\.ts)` › ([^|]+?)\)\s*\|/;

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

/** Rows tested by an existing test outside test/hostile/: id -> [file, title]. */
function referenced(): Map<string, [string, string]> {
  const refs = new Map<string, [string, string]>();
  for (const [id, cells] of documented()) {
    const m = ELSEWHERE.exec(`${cells}|`);
    if (m) refs.set(id, [m[1], m[2]]);
  }
  return refs;
}

it('every hostile test has a row in docs/security.md and every row a test', () => {
  const docs = documented();
  const tests = tested();
  const refs = referenced();
  expect([...tests].filter((id) => !docs.has(id)).sort()).toEqual([]);
  expect([...docs.keys()].filter((id) => !tests.has(id) && !refs.has(id)).sort()).toEqual([]);
  // A row names one test: its own hostile() test or an existing one, not both.
  expect([...refs.keys()].filter((id) => tests.has(id)).sort()).toEqual([]);
});

it('a row that names an existing test names a real test title in a real file outside test/hostile/', () => {
  for (const [id, [file, title]] of referenced()) {
    const abs = path.join(REPO, file);
    const text = fs.existsSync(abs) ? fs.readFileSync(abs, 'utf8') : '';
    const found = !file.startsWith('test/hostile/') && ["'", '"', '`'].some((q) => text.includes(`${q}${title}${q}`));
    expect({ id, file, title, found }).toEqual({ id, file, title, found: true });
  }
});

it('each row names its result and the attack it stands for', () => {
  for (const [id, cells] of documented()) {
    const [input, result, attack] = cells.split('|').map((c) => c.trim());
    expect({ id, input: input.length > 0, result: result.length > 0, attack: attack?.length > 0 }).toEqual({ id, input: true, result: true, attack: true });
  }
});

it('the matrix has at least 60 distinct cases, and the totals in docs/security.md are right', () => {
  expect(tested().size + referenced().size).toBeGreaterThanOrEqual(60);
  const text = fs.readFileSync(DOC, 'utf8').replace(/\s+/g, ' ');
  const m = /holds \*\*(\d+) cases\*\*: (.*?) \((\d+) in `test\/hostile\/`, (\d+) named in other files\)/.exec(text);
  expect(m).not.toBeNull();
  const perGroup = [...(m as RegExpExecArray)[2].matchAll(/(\d+)/g)].map((x) => Number(x[1]));
  const counts = new Map<string, number>();
  for (const id of documented().keys()) counts.set(id[0], (counts.get(id[0]) ?? 0) + 1);
  expect({ total: Number(m![1]), groups: perGroup, inHostile: Number(m![3]), elsewhere: Number(m![4]) }).toEqual({
    total: documented().size,
    groups: ['T', 'M', 'E', 'K', 'W', 'P', 'L', 'G', 'V', 'R'].map((g) => counts.get(g) ?? 0),
    inHostile: tested().size,
    elsewhere: referenced().size,
  });
});
