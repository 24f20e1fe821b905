import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, REPO, type CliResult } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';

/*
 * The build bundles verify, sign and digest into dist/bundle/cli.js (scripts/bundle-cli.js);
 * bin/run.js runs them from it. The bundle must change nothing a user sees, load none of
 * the packages a key verification does not need, and never be used when it is stale.
 */

const BUNDLE = path.join(REPO, 'dist', 'bundle', 'cli.js');
const unbundled = { MODELSEAL_BUNDLE: '0' };
const KEY = path.join(REPO, 'keys-example', 'publisher-ed25519'); // Ed25519: deterministic signatures

/** The same invocation from the bundle and from dist/ (oclif's plain path): everything printed, and the status. */
function both(args: string[], fix?: (r: CliResult) => CliResult): [CliResult, CliResult] {
  const a = cli(args);
  const b = cli(args, { env: unbundled });
  return fix ? [fix(a), fix(b)] : [a, b];
}
const seen = (r: CliResult) => ({ status: r.status, stdout: r.stdout, stderr: r.stderr });

function loadedModules(args: string[], env: NodeJS.ProcessEnv = {}): { r: ReturnType<typeof spawnSync>; loaded: string[] } {
  const record = path.join(tmpDir(), 'modules.json');
  const hook = path.join(tmpDir(), 'hook.js');
  fs.writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify(Object.keys(require.cache))));\n`);
  const { NODE_ENV: _jest, ...userEnv } = process.env;
  const r = spawnSync(process.execPath, ['-r', hook, path.join(REPO, 'bin', 'run.js'), ...args], { encoding: 'utf8', env: { ...userEnv, ...env } });
  return { r, loaded: JSON.parse(fs.readFileSync(record, 'utf8')) };
}

const HEAVY = /node_modules[\\/](sigstore|@sigstore[\\/]|tuf-js|ajv|yaml|cbor-x|cbor-extract|proper-lockfile|openid-client|pkcs11js|@noble[\\/]curves)/;

describe('the bundled CLI (dist/bundle)', () => {
  let model: string;
  beforeAll(() => {
    model = writeTree(tmpDir(), { 'model.safetensors': 'weights', 'config.json': '{}' });
    expect(cli(['sign', model, '--key', `${KEY}.key`]).status).toBe(0);
  });

  it('is written by the build, with the hashing thread beside it', () => {
    expect(fs.existsSync(BUNDLE)).toBe(true);
    expect(fs.existsSync(path.join(REPO, 'dist', 'bundle', 'hash-worker.js'))).toBe(true);
  });

  it('a verify --key from the bundle loads the bundle and none of the heavy packages; from dist/ neither', () => {
    const bundled = loadedModules(['verify', model, '--key', `${KEY}.pub`]);
    expect({ status: bundled.r.status, stderr: bundled.r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(bundled.loaded).toContain(BUNDLE);
    // Nothing of dist/ but the bundle: no oclif command discovery, no unbundled copy of our code.
    expect(bundled.loaded.filter((m) => m.startsWith(path.join(REPO, 'dist') + path.sep) && m !== BUNDLE)).toEqual([]);
    expect(bundled.loaded.filter((m) => HEAVY.test(m))).toEqual([]);

    const plain = loadedModules(['verify', model, '--key', `${KEY}.pub`], unbundled);
    expect(plain.r.status).toBe(0);
    expect(plain.loaded).not.toContain(BUNDLE);
    expect(plain.loaded.some((m) => m.includes(`${path.sep}dist${path.sep}verify${path.sep}`))).toBe(true);
    expect(plain.loaded.filter((m) => HEAVY.test(m))).toEqual([]);
    // No oclif plugin (help, version, commands, autocomplete) for a command that asks for no help.
    expect(plain.loaded.filter((m) => /@oclif[\\/]plugin-/.test(m))).toEqual([]);
  });

  it('oclif\'s debug output: the debug package is loaded only when DEBUG asks for it, and then prints as without the bundle', () => {
    const quiet = loadedModules(['verify', model, '--key', `${KEY}.pub`]);
    expect(quiet.r.status).toBe(0);
    expect(quiet.loaded.filter((m) => /node_modules[\\/]debug[\\/]/.test(m))).toEqual([]);
    const env = { DEBUG: 'oclif:*' };
    const bundled = loadedModules(['verify', model, '--key', `${KEY}.pub`], env);
    expect(bundled.r.status).toBe(0);
    expect(bundled.loaded.some((m) => /node_modules[\\/]debug[\\/]/.test(m))).toBe(true);
    const plain = loadedModules(['verify', model, '--key', `${KEY}.pub`], { ...env, ...unbundled });
    // The same oclif namespaces speak both ways (the lines themselves hold times and paths).
    const spaces = (r: ReturnType<typeof spawnSync>) => [...new Set(String(r.stderr).match(/\boclif:[\w:-]+/g) ?? [])].filter((n) => !n.includes('plugin')).sort();
    expect(spaces(bundled.r).length).toBeGreaterThan(0);
    expect(spaces(plain.r)).toEqual(expect.arrayContaining(spaces(bundled.r)));
  });

  it('the hot path leaves String.prototype.localeCompare as it found it', () => {
    const hook = path.join(tmpDir(), 'hook.js');
    const record = path.join(tmpDir(), 'compare.json');
    fs.writeFileSync(hook, `const before = String.prototype.localeCompare; process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ same: String.prototype.localeCompare === before, order: ['b', 'a', 'B', 'ä'].sort((x, y) => x.localeCompare(y)) })));\n`);
    const { NODE_ENV: _jest, ...userEnv } = process.env;
    const r = spawnSync(process.execPath, ['-r', hook, path.join(REPO, 'bin', 'run.js'), 'verify', model, '--key', `${KEY}.pub`], { encoding: 'utf8', env: userEnv });
    expect(r.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(record, 'utf8'))).toEqual({ same: true, order: ['a', 'ä', 'b', 'B'] });
  });

  it('verify: same output and status from the bundle as from dist/ (ok, --json, tampered, usage and input errors)', () => {
    const cases: string[][] = [
      ['verify', model, '--key', `${KEY}.pub`],
      ['verify', model, '--key', `${KEY}.pub`, '--json'],
      ['verify', model, '--key', path.join(REPO, 'keys-example', 'untrusted-ed25519.pub'), '--json'],
      ['verify', model, '--key', path.join(REPO, 'keys-example', 'untrusted-ed25519.pub')],
      ['verify', model],
      ['verify', model, '--key', `${KEY}.pub`, '--no-such-flag'],
      ['verify', path.join(model, 'missing'), '--key', `${KEY}.pub`, '--json'],
      ['verify', model, '--key', `${KEY}.pub`, '--threads', '-1'],
    ];
    const statuses = new Set<number>();
    for (const args of cases) {
      const [a, b] = both(args);
      expect({ args, ...seen(a) }).toEqual({ args, ...seen(b) });
      statuses.add(a.status);
    }
    expect([...statuses].sort()).toEqual([0, 1, 2]); // the cases reach every documented status
    const tampered = writeTree(tmpDir(), { 'model.safetensors': 'weightz', 'config.json': '{}' });
    const [a, b] = both(['verify', tampered, '--key', `${KEY}.pub`, '--signature', path.join(model, 'model.sig'), '--json']);
    expect(a.status).toBe(1);
    expect(a.json.error.code).toBe('ARTIFACT_MISMATCH');
    expect(seen(a)).toEqual(seen(b));
  });

  it('digest and sign: same output, manifests and signature bytes; threads from the bundled hashing thread', () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 1100; i++) files[`d/${i % 7}/f-${i}.bin`] = Buffer.from(`file ${i}`); // over 1,024 files: worker threads
    const tree = writeTree(tmpDir(), files);
    for (const args of [
      ['digest', tree, '--threads', '2', '--json'],
      ['digest', tree, '--threads', '2', '--method', 'shards', '--shard-size', '4', '--json'],
      ['digest', path.join(tree, 'nope')],
    ]) {
      const [a, b] = both(args);
      expect({ args, ...seen(a) }).toEqual({ args, ...seen(b) });
    }
    const out = tmpDir();
    const sigA = path.join(out, 'a.sig');
    const sigB = path.join(out, 'b.sig');
    const a = cli(['sign', tree, '--key', `${KEY}.key`, '--signature', sigA, '--threads', '2', '--json']);
    const b = cli(['sign', tree, '--key', `${KEY}.key`, '--signature', sigB, '--threads', '2', '--json'], { env: unbundled });
    expect(a.status).toBe(0);
    expect({ ...a.json, signature: undefined }).toEqual({ ...b.json, signature: undefined });
    expect(fs.readFileSync(sigA)).toEqual(fs.readFileSync(sigB));
    const again = cli(['sign', tree, '--key', `${KEY}.key`, '--signature', sigA]);
    expect(seen(again)).toEqual(seen({ ...cli(['sign', tree, '--key', `${KEY}.key`, '--signature', sigA], { env: unbundled }) }));
    expect(again.status).toBe(2); // refuses to overwrite without --force, both ways
  });

  it('help, version and other commands are oclif\'s full path: same output with or without the bundle', () => {
    for (const args of [['verify', '--help'], ['sign', '-h'], ['--help'], ['keygen', '--help'], ['verfy'], ['version']]) {
      const [a, b] = both(args);
      expect({ args, ...seen(a) }).toEqual({ args, ...seen(b) });
    }
  });
});

describe('bin/load-bundle.js', () => {
  /** A package folder with a tiny bundle; the times are mtimes in seconds. */
  function fakeRoot(times: { entry: number; manifest: number; bundle: number }): string {
    const root = tmpDir();
    writeTree(root, {
      'dist/cli/hot-run.js': '',
      'oclif.manifest.json': '{}',
      'dist/bundle/cli.js': 'exports.marker = (function answer() { return 42; })();\n',
    });
    const set = (rel: string, t: number) => fs.utimesSync(path.join(root, rel), t, t);
    set('dist/cli/hot-run.js', times.entry);
    set('oclif.manifest.json', times.manifest);
    set('dist/bundle/cli.js', times.bundle);
    return root;
  }
  const load = (root: string, command?: string, runFor = 0) => {
    const call = `loadBundle(${JSON.stringify(root)}${command === undefined ? '' : `, ${JSON.stringify(command)}`})`;
    // runFor: the command then works for that many milliseconds (the bundle is loaded first, as bin/run.js does).
    const work = runFor > 0 ? `const until = Date.now() + ${runFor}; while (Date.now() < until);` : '';
    const r = spawnSync(process.execPath, ['-e', `const b = require(${JSON.stringify(path.join(REPO, 'bin', 'load-bundle.js'))}).${call}; ${work} process.stdout.write(JSON.stringify(b ?? null))`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout);
  };

  it('uses a bundle only while it is as new as its entry and the oclif manifest', () => {
    expect(load(fakeRoot({ entry: 1000, manifest: 1001, bundle: 1002 }))).toEqual({ marker: 42 });
    expect(load(fakeRoot({ entry: 1003, manifest: 1001, bundle: 1002 }))).toBeNull(); // tsc ran after the bundle
    expect(load(fakeRoot({ entry: 1000, manifest: 1003, bundle: 1002 }))).toBeNull();
    const missing = fakeRoot({ entry: 1000, manifest: 1001, bundle: 1002 });
    fs.rmSync(path.join(missing, 'dist', 'cli', 'hot-run.js'));
    expect(load(missing)).toBeNull();
  });

  it('writes a code cache once, and a cache of another build or a corrupt one is not trusted', () => {
    const root = fakeRoot({ entry: 1000, manifest: 1001, bundle: 1002 });
    const cache = path.join(root, 'dist', 'bundle', 'cli.js.cache');
    expect(load(root)).toEqual({ marker: 42 });
    const first = fs.readFileSync(cache);
    expect(first.toString('latin1')).toMatch(/^modelseal-bundle \d+ 1002000\n/);
    expect(load(root)).toEqual({ marker: 42 });
    expect(fs.readFileSync(cache)).toEqual(first); // accepted: not rewritten
    // Another build of the same length (V8 itself compares only the length).
    fs.writeFileSync(path.join(root, 'dist', 'bundle', 'cli.js'), 'exports.marker = (function answer() { return 43; })();\n');
    fs.utimesSync(path.join(root, 'dist', 'bundle', 'cli.js'), 1005, 1005);
    expect(load(root)).toEqual({ marker: 43 });
    expect(fs.readFileSync(cache).toString('latin1')).toMatch(/^modelseal-bundle \d+ 1005000\n/);
    // The right stamp over garbage: V8 rejects the data, the bundle still runs and the cache is rewritten.
    const stamp = fs.readFileSync(cache).toString('latin1').split('\n')[0] + '\n';
    fs.writeFileSync(cache, Buffer.concat([Buffer.from(stamp), Buffer.alloc(4096, 7)]));
    expect(load(root)).toEqual({ marker: 43 });
    expect(fs.readFileSync(cache).subarray(stamp.length, stamp.length + 4096)).not.toEqual(Buffer.alloc(4096, 7));
  });

  it('a long run writes no cache (V8 has dropped the bytecode of its start by then); the next short one does', () => {
    const root = fakeRoot({ entry: 1000, manifest: 1001, bundle: 1002 });
    const dir = path.join(root, 'dist', 'bundle');
    expect(load(root, 'verify', 2500)).toEqual({ marker: 42 });
    expect(fs.readdirSync(dir).sort()).toEqual(['cli.js']);
    expect(load(root, 'verify')).toEqual({ marker: 42 });
    expect(fs.readdirSync(dir).sort()).toEqual(['cli.js', 'cli.js.verify.cache']);
  });

  it('keeps one cache per command, so the first command run does not decide what the others find compiled', () => {
    const root = fakeRoot({ entry: 1000, manifest: 1001, bundle: 1002 });
    const dir = path.join(root, 'dist', 'bundle');
    expect(load(root, 'sign')).toEqual({ marker: 42 });
    expect(fs.readdirSync(dir).sort()).toEqual(['cli.js', 'cli.js.sign.cache']);
    expect(load(root, 'verify')).toEqual({ marker: 42 });
    expect(fs.readdirSync(dir).sort()).toEqual(['cli.js', 'cli.js.sign.cache', 'cli.js.verify.cache']);
  });
});
