import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './helpers/cli';
import { tmpDir } from './helpers/tmp';

jest.setTimeout(600_000);

const npm = (args: string[], cwd: string) => {
  // A consumer's npm sees none of this checkout's npm configuration (npm exports it as npm_config_* to scripts).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_ENV' && !/^npm_config_/i.test(k)));
  // Dependencies come from the npm cache the checkout's own install filled (the registry otherwise).
  return spawnSync('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn'], { cwd, encoding: 'utf8', env, timeout: 540_000 });
};

describe('the package as a consumer gets it', () => {
  let tarball: string;
  beforeAll(() => {
    const out = tmpDir('modelseal-pack-');
    // `npm test` built dist/ already (pretest); prepack's build would rewrite it under tests running in parallel.
    const r = npm(['pack', '--ignore-scripts', '--pack-destination', out, '--json'], REPO);
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    tarball = path.join(out, JSON.parse(r.stdout.slice(r.stdout.search(/^\[/m)))[0].filename);
  });

  it('holds the LICENSE, the docs README links to, the schemas and the built CLI, and no sources or tests', () => {
    const list = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n').map((f) => f.replace(/^package\//, ''));
    for (const f of ['LICENSE', 'README.md', 'package.json', 'bin/run.js', 'dist/index.js', 'oclif.manifest.json', 'schemas/cli/verify.schema.json', 'docs/guide.md', 'docs/json-output.md']) expect(list).toContain(f);
    expect(list.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    // Every relative link of the README resolves inside the package.
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    for (const [, target] of readme.matchAll(/\]\(((?!https?:|#)[^)#\s]+)(#[^)]*)?\)/g)) {
      const t = target.replace(/\/$/, '');
      expect({ target, packaged: list.some((f) => f === t || f.startsWith(`${t}/`)) }).toEqual({ target, packaged: true });
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ license: 'Apache-2.0', repository: { url: expect.any(String) }, homepage: expect.any(String), bugs: { url: expect.any(String) } });
    expect(pkg.scripts.prepare).toBeUndefined(); // consumers never build; the tarball is built before packing
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(fs.readFileSync(path.join(REPO, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });

  it('installs into an empty folder without build noise, and `npx modelseal verify` works there', () => {
    const dir = tmpDir('modelseal-consumer-');
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const install = npm(['install', tarball], dir);
    expect({ status: install.status, stderr: install.status === 0 ? '' : install.stderr }).toEqual({ status: 0, stderr: '' });
    expect(`${install.stdout}${install.stderr}`).not.toMatch(/prepare|tsc|oclif-manifest/);
    fs.cpSync(path.join(REPO, 'examples/artifacts/tiny-llm'), path.join(dir, 'tiny-llm'), { recursive: true });
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_ENV' && !/^npm_config_/i.test(k)));
    const run = (args: string[]) => spawnSync('npx', ['--no-install', 'modelseal', ...args], { cwd: dir, encoding: 'utf8', env, timeout: 120_000 });
    expect(run(['sign', 'tiny-llm', '--key', path.join(REPO, 'keys-example/publisher-ed25519.key')]).status).toBe(0);
    const v = run(['verify', 'tiny-llm', '--key', path.join(REPO, 'keys-example/publisher-ed25519.pub'), '--json']);
    expect({ status: v.status, stderr: v.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, verified: true, artifact: path.join(fs.realpathSync(dir), 'tiny-llm') });
    // The library too, from CommonJS.
    const lib = spawnSync(process.execPath, ['-e', "require('modelseal').digestArtifact('tiny-llm').then((m) => console.log(m.rootDigest))"], { cwd: dir, encoding: 'utf8' });
    expect(lib.stdout).toMatch(/^[0-9a-f]{64}\n$/);
  });
});
