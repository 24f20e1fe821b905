import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, REPO } from './helpers/cli';
import { gateFixture } from './helpers/gate-fixture';
import { buildLineageChain } from './helpers/lineage-chain';
import { describeWithPeers } from './helpers/peers';
import { tmpDir, writeTree } from './helpers/tmp';
import { drawnProgress, runInTerminal, TMUX } from './helpers/tty';

const BIN = `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(REPO, 'bin/run.js'))}`;
const KEY = path.join(REPO, 'keys-example/publisher-ed25519.key');
const PUB = path.join(REPO, 'keys-example/publisher-ed25519.pub');
const STALE = /\d+%|ETA \d|\[[#-]{3,}/;

jest.setTimeout(180_000);

describeWithPeers(TMUX, 'progress in a real terminal', () => {
  let big: string;
  beforeAll(async () => {
    big = path.join(tmpDir(), 'big-model');
    writeTree(big, { 'config.json': '{"layers": 2}' });
    // Sparse: 300 MB that cost no disk; hashed on one thread it takes long enough for several redraws.
    fs.writeFileSync(path.join(big, 'weights.bin'), '');
    fs.truncateSync(path.join(big, 'weights.bin'), 300 * 1024 * 1024);
    expect(cli(['sign', big, '--key', KEY]).status).toBe(0);
  });

  it.each([80, 40])('verify at %i columns: one line redrawn in place, no stale progress on the final screen', (cols) => {
    const r = runInTerminal(`${BIN} verify ${JSON.stringify(big)} --key ${JSON.stringify(PUB)} --threads 0`, { cols });
    expect(r.status).toBe(0);
    const drawn = drawnProgress(r.raw);
    expect(drawn.length).toBeGreaterThan(1);
    for (const line of drawn) expect({ line, fits: line.length <= cols - 1 }).toEqual({ line, fits: true });
    expect(r.screen.filter((l) => STALE.test(l))).toEqual([]);
    expect(r.screen.join('')).toContain('Verified ');
  });

  it('every command that hashes shows progress on a terminal, and leaves none behind', async () => {
    const c = await buildLineageChain(tmpDir());
    const g = gateFixture();
    const a = await g.artifact('model', 'weights');
    const sh = (s: string) => JSON.stringify(s);
    const commands: Record<string, string> = {
      digest: `digest ${sh(big)}`,
      sign: `sign ${sh(big)} --key ${sh(KEY)} --signature ${sh(path.join(c.root, 'big.sig'))}`,
      'verify --key': `verify ${sh(big)} --key ${sh(PUB)}`,
      'verify --policy': `verify ${sh(c.p('out', 'adapter'))} --policy ${sh(c.p('policy.yaml'))} --attestations ${sh(c.p('attestations'))}`,
      lineage: `lineage ${sh(c.p('out', 'adapter'))} --policy ${sh(c.p('policy.yaml'))} --attestations ${sh(c.p('attestations'))}`,
      bom: `bom ${sh(c.p('out', 'adapter'))} --policy ${sh(c.p('policy.yaml'))} --attestations ${sh(c.p('attestations'))} --out ${sh(c.p('bom.json'))}`,
      'attest --base --dataset': `attest ${sh(c.p('out', 'ft'))} --kind finetune --key ${sh(c.p('keys', 'trainer.key'))} --base ${sh(c.p('models', 'base-7b'))} --dataset ${sh(c.p('data', 'instruct-v3'))} --out ${sh(c.p('ft.provenance.sig'))}`,
      'lock add': `lock add acme/base ${sh(c.p('models', 'base-7b'))} --key ${sh(c.p('keys', 'publisher.pub'))} --lock ${sh(c.p('modelseal.lock'))}`,
      'lock verify': `lock verify --lock ${sh(c.p('modelseal.lock'))}`,
      'release create': `release create ${sh(a)} --channel prod --version 1 --expires 7d --key ${sh(g.keyFiles.k1)} --out ${sh(path.join(g.root, 'release.json'))}`,
      gate: `gate ${sh(a)} --channel prod --policy ${sh(g.policyFile)} --state ${sh(g.stateDir)} --release ${sh(path.join(g.root, 'release.json'))} --init`,
    };
    const seen: Record<string, unknown> = {};
    for (const [name, args] of Object.entries(commands)) {
      if (name === 'gate') {
        // A prod release needs two signatures.
        expect(cli(['release', 'sign', path.join(g.root, 'release.json'), '--key', g.keyFiles.k2]).status).toBe(0);
      }
      const r = runInTerminal(`${BIN} ${args}`, { cols: 80 });
      seen[name] = { status: r.status, progress: drawnProgress(r.raw).length > 0, stale: r.screen.filter((l) => STALE.test(l)) };
      if (r.status !== 0) seen[name] = { ...(seen[name] as object), screen: r.screen.join('\n') };
    }
    const want = Object.fromEntries(Object.keys(commands).map((n) => [n, { status: 0, progress: true, stale: [] }]));
    expect(seen).toEqual(want);
  });

  it('is silent under --json and --quiet, and when stderr is not a terminal', () => {
    for (const flag of ['--json', '--quiet']) {
      const r = runInTerminal(`${BIN} verify ${JSON.stringify(big)} --key ${JSON.stringify(PUB)} ${flag}`, { cols: 80 });
      expect({ flag, status: r.status, progress: drawnProgress(r.raw) }).toEqual({ flag, status: 0, progress: [] });
    }
    const r = runInTerminal(`${BIN} verify ${JSON.stringify(big)} --key ${JSON.stringify(PUB)} 2>/dev/null | cat`, { cols: 80 });
    expect(drawnProgress(r.raw)).toEqual([]);
    expect(r.raw).toContain('Verified ');
  });
});

describe('the progress line', () => {
  const { ProgressLine } = jest.requireActual('../src/cli/progress') as typeof import('../src/cli/progress');
  const fakeTerminal = (columns: number) => ({ columns, write: () => true }) as unknown as NodeJS.WriteStream;
  it('never exceeds the width less one column, and shows a hostile name as printable ASCII', () => {
    for (const columns of [1, 10, 20, 40, 79, 80, 120, 300]) {
      const line = new ProgressLine('verifying', fakeTerminal(columns));
      line.update({ bytesDone: 5e12, bytesTotal: 9e12, filesDone: 123456, filesTotal: 999999 }, `/m/${'\u001b[2J\u5b57\r\n'.repeat(40)}`);
      const text = line.render({ bytesDone: 5e12, bytesTotal: 9e12, filesDone: 123456, filesTotal: 999999 });
      expect({ columns, ok: text.length <= Math.max(columns - 1, 10) }).toEqual({ columns, ok: true });
      expect(text).toMatch(/^[\x20-\x7e]*$/);
    }
  });
});
