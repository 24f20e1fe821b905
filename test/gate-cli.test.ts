import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Gate } from '../src/gate/gate';
import { PAUSE_ENV, readState, STATE_FILE } from '../src/gate/gate-state';
import { cli, REPO } from './helpers/cli';
import { gateFixture, type GateFixture } from './helpers/gate-fixture';
import { tmpDir } from './helpers/tmp';

const BIN = path.join(REPO, 'bin', 'run.js');

function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

async function waitFor<T>(probe: () => T | undefined, what: string, limitMs = 90_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pausedMarker(dir: string, pid: number): string | undefined {
  const f = path.join(dir, `paused.${pid}`);
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined;
}

describe('release and gate commands', () => {
  let fx: GateFixture;
  let model: string;
  beforeAll(async () => {
    fx = gateFixture();
    model = await fx.artifact('model', 'weights v1');
  });

  const releaseFile = (name: string) => path.join(fx.root, name);
  function create(version: number, channel: string, key: 'k1' | 'k2' | 'k3', out: string): void {
    const r = cli(['release', 'create', model, '--channel', channel, '--version', String(version), '--expires', '7d', '--key', fx.keyFiles[key], '--out', releaseFile(out), '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }
  // Records named d*.json are for the dev channel, the others for prod.
  const gateArgs = (release: string, extra: string[] = []) => ['gate', '--channel', release.startsWith('d') ? 'dev' : 'prod', '--policy', fx.policyFile, '--state', fx.stateDir, '--release', releaseFile(release), model, '--json', ...extra];

  it('creates, co-signs and gates a release; refuses the replay (exit 1) and a double signature (exit 2)', () => {
    create(1, 'prod', 'k1', 'r1.json');
    expect(cli(gateArgs('r1.json', ['--init'])).json.error.code).toBe('THRESHOLD_NOT_MET');
    const sign = cli(['release', 'sign', releaseFile('r1.json'), '--key', fx.keyFiles.k2, '--json']);
    expect(sign.status).toBe(0);
    expect(sign.json.keyHints).toEqual([fx.keys.k1.publicKey.hint, fx.keys.k2.publicKey.hint]);
    const twice = cli(['release', 'sign', releaseFile('r1.json'), '--key', fx.keyFiles.k2]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/already signed by key/);

    expect(cli(gateArgs('r1.json')).json.error.code).toBe('STATE_MISSING');
    const ok = cli(gateArgs('r1.json', ['--init']));
    expect(ok.status).toBe(0);
    expect(ok.json).toMatchObject({ ok: true, accepted: true, channel: 'prod', version: 1, artifacts: [{ name: 'model' }] });
    const replay = cli(gateArgs('r1.json'));
    expect(replay.status).toBe(1);
    expect(replay.json.error.code).toBe('ROLLBACK');
    const human = cli(gateArgs('r1.json').filter((a) => a !== '--json'));
    expect(human.status).toBe(1);
    expect(human.stderr.trim().split('\n')).toHaveLength(1);
    expect(human.stderr).toMatch(/^modelseal gate: .*version 1 is not above 1.*\[ROLLBACK\]$/m);
  });

  it('leaves the old state intact when a gate is SIGKILLed between writing and renaming', async () => {
    create(2, 'dev', 'k1', 'd2.json');
    expect(cli(gateArgs('d2.json')).status).toBe(0);
    const before = fs.readFileSync(path.join(fx.stateDir, STATE_FILE), 'utf8');
    create(3, 'dev', 'k1', 'd3.json');

    const hook = tmpDir();
    const run = spawnCli(gateArgs('d3.json'), { [PAUSE_ENV]: hook });
    const tmp = await waitFor(() => pausedMarker(hook, run.child.pid as number), 'the gate to pause before its rename');
    expect(JSON.parse(fs.readFileSync(tmp, 'utf8')).channels.dev.version).toBe(3); // the new state is written and fsynced...
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');

    // ...but never renamed: the state is exactly the old one, and it parses.
    expect(fs.readFileSync(path.join(fx.stateDir, STATE_FILE), 'utf8')).toBe(before);
    expect(readState(fx.stateDir)?.channels.dev.version).toBe(2);

    // The killed gate's lock goes stale; the next gate takes over and records version 3.
    const d = await new Gate(fx.policyFile, fx.stateDir, { channel: 'dev', lockStaleMs: 5000 }).check(releaseFile('d3.json'), [model]);
    expect(d).toMatchObject({ version: 3, previousVersion: 2 });
    expect(readState(fx.stateDir)?.channels.dev.version).toBe(3);
    expect(fs.readdirSync(fx.stateDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('serializes two gates running at once: both updates are recorded, in order', async () => {
    create(10, 'prod', 'k1', 'p10.json');
    expect(cli(['release', 'sign', releaseFile('p10.json'), '--key', fx.keyFiles.k3]).status).toBe(0);
    create(11, 'prod', 'k2', 'p11.json');
    expect(cli(['release', 'sign', releaseFile('p11.json'), '--key', fx.keyFiles.k3]).status).toBe(0);
    const seqBefore = readState(fx.stateDir)?.history.at(-1)?.seq as number;

    const hook = tmpDir();
    const first = spawnCli(gateArgs('p10.json'), { [PAUSE_ENV]: hook });
    await waitFor(() => pausedMarker(hook, first.child.pid as number), 'the first gate to pause holding the lock');
    const second = spawnCli(gateArgs('p11.json'));
    await new Promise((r) => setTimeout(r, 1500)); // let the second gate reach the lock
    expect(second.child.exitCode).toBeNull(); // it cannot finish while the first holds the lock
    fs.writeFileSync(path.join(hook, 'resume'), '');

    const [a, b] = await Promise.all([first.done, second.done]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
    const state = readState(fx.stateDir);
    expect(state?.channels.prod.version).toBe(11);
    const recent = state?.history.filter((h) => h.seq > seqBefore).map((h) => [h.seq, h.channel, h.version]);
    expect(recent).toEqual([
      [seqBefore + 1, 'prod', 10],
      [seqBefore + 2, 'prod', 11],
    ]);
  });
});
