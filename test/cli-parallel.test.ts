import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { progressReporter } from '../src/cli/progress';
import { cli, REPO } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';

const MiB = 1024 * 1024;

function dataset(): string {
  const files: Record<string, Buffer> = { 'weights/model.safetensors': randomBytes(9 * MiB + 5), 'empty.bin': Buffer.alloc(0) };
  for (let i = 0; i < 300; i++) files[`data/${i % 3}/row-${i}.bin`] = randomBytes((i * 131) % 5000);
  return writeTree(tmpDir(), files);
}

describe('CLI on the parallel engine (built dist, hash-worker.js)', () => {
  let root: string;
  let keys: string;
  beforeAll(() => {
    root = dataset();
    keys = path.join(tmpDir(), 'k');
    expect(cli(['keygen', '--out', keys]).status).toBe(0);
  });

  it('digest gives the same manifest on worker threads and on the main thread, matching the bytes', () => {
    const workers = cli(['digest', root, '--threads', '2', '--json']);
    const main = cli(['digest', root, '--threads', '0', '--json']);
    expect(workers.status).toBe(0);
    expect(workers.stderr).toBe(''); // no progress bar without a terminal
    expect(workers.json).toEqual(main.json);
    const weights = workers.json.resources.find((r: { name: string }) => r.name === 'weights/model.safetensors');
    expect(weights.digest).toBe(createHash('sha256').update(fs.readFileSync(path.join(root, 'weights/model.safetensors'))).digest('hex'));
    const shards = cli(['digest', root, '--threads', '2', '--method', 'shards', '--shard-size', String(MiB), '--json']);
    expect(shards.json).toEqual(cli(['digest', root, '--threads', '0', '--method', 'shards', '--shard-size', String(MiB), '--json']).json);
    expect(shards.json.resources.filter((r: { name: string }) => r.name.startsWith('weights/')).length).toBe(10);
  });

  it('verify hashes on worker threads and still refuses a changed file', () => {
    const copy = tmpDir();
    fs.cpSync(root, copy, { recursive: true });
    const sig = path.join(tmpDir(), 'model.sig');
    expect(cli(['sign', copy, '--key', `${keys}.key`, '--signature', sig, '--method', 'shards', '--shard-size', String(2 * MiB), '--threads', '2']).status).toBe(0);
    const ok = cli(['verify', copy, '--key', `${keys}.pub`, '--signature', sig, '--threads', '2', '--json']);
    expect(ok.status).toBe(0);
    expect(ok.json).toMatchObject({ ok: true, verified: true });
    const f = path.join(copy, 'weights/model.safetensors');
    const fd = fs.openSync(f, 'r+');
    fs.writeSync(fd, Buffer.from([0xff ^ fs.readFileSync(f)[5 * MiB]]), 0, 1, 5 * MiB);
    fs.closeSync(fd);
    const bad = cli(['verify', copy, '--key', `${keys}.pub`, '--signature', sig, '--threads', '2', '--json']);
    expect(bad.status).toBe(1);
    expect(bad.json.error.code).toBe('ARTIFACT_MISMATCH');
    expect(bad.json.error.message).toContain(`weights/model.safetensors:${4 * MiB}:${6 * MiB}`);
  });

  it('rejects a negative --threads as a usage error', () => {
    const r = cli(['digest', root, '--threads', '-1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/threads/);
  });

  it('a plain verify with a local key loads no Sigstore signing or TUF code', () => {
    const sig = path.join(tmpDir(), 'model.sig');
    expect(cli(['sign', root, '--key', `${keys}.key`, '--signature', sig]).status).toBe(0);
    const record = path.join(tmpDir(), 'modules.json');
    const hook = path.join(tmpDir(), 'hook.js');
    fs.writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify(Object.keys(require.cache))));\n`);
    // From dist/ (the bundle holds our modules in one file: test/cli-bundle.test.ts checks it the same way).
    const r = spawnSync(process.execPath, ['-r', hook, path.join(REPO, 'bin', 'run.js'), 'verify', root, '--key', `${keys}.pub`, '--signature', sig], {
      encoding: 'utf8',
      env: { ...process.env, MODELSEAL_BUNDLE: '0' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const loaded: string[] = JSON.parse(fs.readFileSync(record, 'utf8'));
    expect(loaded.some((m) => m.includes(`${path.sep}dist${path.sep}verify${path.sep}`))).toBe(true); // the hook saw our modules
    // No Sigstore package at all (nor @noble/curves, for prehashed ECDSA): a key bundle needs none of them.
    expect(loaded.filter((m) => /node_modules[\\/](sigstore|@sigstore[\\/]|tuf-js|@noble[\\/]curves)/.test(m))).toEqual([]);
    // Nor policies (YAML, JSON Schema), lineage or CBOR (issue 16: start-up time).
    expect(loaded.filter((m) => /node_modules[\\/](ajv|yaml|cbor-x|cbor-extract|proper-lockfile)[\\/]/.test(m))).toEqual([]);
    expect(loaded.filter((m) => /[\\/]dist[\\/](policy|lineage|gate|lock)[\\/]/.test(m))).toEqual([]);
  });

  it('--version answers without loading oclif, with the line oclif prints', () => {
    const record = path.join(tmpDir(), 'modules.json');
    const hook = path.join(tmpDir(), 'hook.js');
    fs.writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify(Object.keys(require.cache))));\n`);
    const fast = spawnSync(process.execPath, ['-r', hook, path.join(REPO, 'bin', 'run.js'), '--version'], { encoding: 'utf8' });
    expect(fast.status).toBe(0);
    const loaded: string[] = JSON.parse(fs.readFileSync(record, 'utf8'));
    expect(loaded.filter((m) => m.includes('@oclif'))).toEqual([]);
    // With one more argument oclif itself answers (it looks at the first argument only).
    const oclif = cli(['--version', '--quiet']);
    expect(oclif.status).toBe(0);
    expect(fast.stdout).toBe(oclif.stdout);
    expect(fast.stdout).toMatch(/^modelseal\/\d+\.\d+\.\d+ \S+-\S+ node-v\d+/);
  });

  it('the build script writes an oclif manifest describing every compiled command', () => {
    const out = path.join(tmpDir(), 'oclif.manifest.json');
    const r = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'oclif-manifest.js'), out], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(out, 'utf8'));
    const dir = path.join(REPO, 'dist', 'commands');
    const compiled = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3).split(path.sep).join(':'));
    expect(Object.keys(manifest.commands).sort()).toEqual(compiled.sort());
    expect(Object.keys(manifest.commands.verify.flags)).toEqual(expect.arrayContaining(['key', 'threads', 'json', 'quiet']));
    expect(manifest.version).toBe(JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);
  });
});

describe('progress bar', () => {
  const stderr = process.stderr as unknown as { isTTY?: boolean; write: NodeJS.WriteStream['write'] };
  let wasTTY: boolean | undefined;
  let written: string[];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    wasTTY = stderr.isTTY;
    written = [];
    spy = jest.spyOn(stderr, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    spy.mockRestore();
    stderr.isTTY = wasTTY;
  });

  it('draws bytes, files, throughput and ETA on a terminal and clears the line when done', () => {
    stderr.isTTY = true;
    const p = progressReporter(true, 'hashing');
    p.onProgress?.({ bytesDone: 3 * MiB, bytesTotal: 4 * MiB, filesDone: 1, filesTotal: 2 });
    p.onProgress?.({ bytesDone: 4 * MiB, bytesTotal: 4 * MiB, filesDone: 2, filesTotal: 2 });
    p.done();
    expect(written[0]).toMatch(/hashing +75% \[#+-+\] 3\.0 MiB\/4\.0 MiB 1\/2 files .*\/s ETA \d+s/);
    expect(written[1]).toMatch(/100% \[#+\] 4\.0 MiB\/4\.0 MiB 2\/2 files/);
    expect(written[written.length - 1]).toBe('\r\x1b[K');
  });

  it('is silent when not a terminal, or with --json/--quiet', () => {
    stderr.isTTY = false;
    expect(progressReporter(true, 'hashing').onProgress).toBeUndefined();
    stderr.isTTY = true;
    expect(progressReporter(false, 'hashing').onProgress).toBeUndefined();
    expect(written).toEqual([]);
  });
});
