import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { scanPickle } from '../src/load/pickle-scan';
import { DEFAULT_ALLOWED_GLOBALS } from '../src/load/pickle-allowlist';
import { REPO } from './helpers/cli';
import { describeWithPeers, program as peerProgram } from './helpers/peers';
import { osSystemPickle, tensorPickle, PickleWriter } from './helpers/pickle-bytes';
import { tmpDir } from './helpers/tmp';

/**
 * Differential against CPython's own unpickler: for thousands of generated and mutated
 * pickles, whenever the analyser says SAFE, every global CPython's C unpickler asked
 * find_class for (while reading pickle after pickle) must be on the allowlist. The oracle
 * returns inert stubs, so nothing runs. Uses the plain python3 on PATH (any CPython 3).
 */
const latin = (s: string) => Buffer.from(s, 'latin1');
const seeds: Buffer[] = [
  osSystemPickle(),
  tensorPickle(),
  latin("cos\nsystem\n(S'true'\ntR."),
  latin("S'\\x6fs'\nS'system'\n\x93(S'x'\ntR."),
  latin('V\\u006fs\nVsystem\n\x93.'),
  latin("S'os'\np1\n0S'system'\np2\n0g1\ng2\n\x93."),
  new PickleWriter().proto(4).shortUnicode('collections').memoize().shortUnicode('OrderedDict').memoize().stackGlobal().op(0x29).reduce().stop().bytes(),
  new PickleWriter().proto(4).shortUnicode('builtins').binput(1).pop().binget(1).shortUnicode('set').stackGlobal().stop().bytes(),
  latin('c__builtin__\nset\n)R.'),
  Buffer.concat([new PickleWriter().proto(2).binint1(1).stop().bytes(), latin("ctorch\nFloatStorage\n.")]),
];

/** Small opcode programs over a vocabulary that names allowlisted and dangerous globals in every spelling. */
const token = fc.constantFrom(
  ...[
    "S'os'\n", "S'\\x6fs'\n", "S'\\157s'\n", "S'system'\n", "S'collections'\n", "S'OrderedDict'\n", "S'builtins'\n", "S'set'\n", "S'eval'\n",
    'Vos\n', 'V\\u006fs\n', 'Vsystem\n', 'Vcollections\n', 'VOrderedDict\n', "S'tor\\x63h'\n", "S'FloatStorage'\n",
    'cos\nsystem\n', 'ccollections\nOrderedDict\n', 'c__builtin__\nset\n', 'ctorch\nFloatStorage\n', 'cbuiltins\ngetattr\n',
    '\x93', '\x94', 'p0\n', 'p1\n', 'p 2\n', 'p1_0\n', 'g0\n', 'g1\n', 'g2\n', 'g10\n', 'q\x00', 'q\x01', 'h\x00', 'h\x01', 'r\x00\x00\x00\x00', 'j\x00\x00\x00\x00',
    '0', '2', '(', ')', 't', '\x85', '\x86', 'R', 'N', 'b', '}', 's', ']', 'a', '.', '\x80\x02', '\x80\x04', '\x8c\x02os', '\x8c\x06system', '\x8c\x0bcollections', '\x8c\x0bOrderedDict',
  ].map(latin),
);
const program = fc.array(token, { minLength: 1, maxLength: 14 }).map((ts) => Buffer.concat([...ts, latin('.')]));
const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 })).map(([seed, edits]) => {
  const b = Buffer.from(seed);
  for (const [i, v] of edits) b[i % b.length] = v;
  return b;
});

describeWithPeers(peerProgram('python3', ['-c', 'import pickle, zipfile'], 'a CPython 3 as python3 on PATH'), 'the analyser against CPython find_class', () => {
  it('never calls a pickle SAFE when CPython imports a global off the allowlist', () => {
    // MODELSEAL_DIFF_RUNS / MODELSEAL_DIFF_SEED widen the search (defaults keep the suite fast and repeatable).
    const runs = Number(process.env.MODELSEAL_DIFF_RUNS ?? 2500);
    const seed = Number(process.env.MODELSEAL_DIFF_SEED ?? 14);
    const cases = [...seeds, ...fc.sample(program, { numRuns: runs, seed }), ...fc.sample(mutated, { numRuns: Math.ceil(runs * 0.6), seed: seed + 27 })];
    const file = path.join(tmpDir(), 'cases.json');
    fs.writeFileSync(file, JSON.stringify(cases.map((c) => c.toString('hex'))));
    const r = spawnSync('python3', [path.join(REPO, 'test', 'corpus', 'find_class_oracle.py'), file], { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 << 20 });
    expect(r.status).toBe(0);
    const seen = JSON.parse(r.stdout) as Array<Array<[string, string, string, string]>>;
    expect(seen).toHaveLength(cases.length);
    const escapes: string[] = [];
    let safe = 0;
    let unsafeSeen = 0;
    cases.forEach((c, i) => {
      const ours = scanPickle(c, { pickles: 'all', lenientTrailing: true });
      // A Python-2 name maps to its Python-3 name below protocol 3; at 3 and above the Python-2 module does not exist (import fails).
      const allowed = (m: string, n: string, m2: string, n2: string) => DEFAULT_ALLOWED_GLOBALS.has(`${m}:${n}`) || DEFAULT_ALLOWED_GLOBALS.has(`${m2}:${n2}`);
      const offList = seen[i].filter(([m, n, m2, n2]) => !allowed(m, n, m2, n2));
      if (offList.length > 0) unsafeSeen++;
      if (ours.verdict === 'SAFE') {
        safe++;
        if (offList.length > 0) escapes.push(`${c.toString('latin1')} -> CPython imported ${JSON.stringify(offList)}`);
      }
    });
    expect(escapes).toEqual([]);
    // the generator reaches both sides of the decision
    expect(safe).toBeGreaterThan(50);
    expect(unsafeSeen).toBeGreaterThan(200);
  }, 180_000);
});
