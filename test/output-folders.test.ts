import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, REPO } from './helpers/cli';
import { docBlocks, shellPrelude } from './helpers/doc-blocks';
import { tmpDir, writeTree } from './helpers/tmp';

const KEY = path.join(REPO, 'keys-example/publisher-ed25519.key');

describe('output folders are created as needed, never through a symlink', () => {
  it('keygen --out and sign --signature create missing folders; existing files still need --force', () => {
    const dir = tmpDir();
    let r = cli(['keygen', '--type', 'ed25519', '--out', 'keys/deep/publisher'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.statSync(path.join(dir, 'keys/deep/publisher.key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'keys/deep')).isDirectory()).toBe(true);
    r = cli(['keygen', '--type', 'ed25519', '--out', 'keys/deep/publisher'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('[OUTPUT_EXISTS]');

    writeTree(path.join(dir, 'm'), { 'a.bin': 'weights' });
    r = cli(['sign', 'm', '--key', KEY, '--signature', 'out/sigs/m.sig'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(dir, 'out/sigs/m.sig'))).toBe(true);
    r = cli(['verify', 'm', '--key', KEY.replace(/\.key$/, '.pub'), '--signature', 'out/sigs/m.sig'], { cwd: dir });
    expect(r.status).toBe(0);
  });

  it('refuses to create folders through a symlink (dangling or not) or a file in the way', () => {
    const dir = tmpDir();
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(elsewhere, path.join(dir, 'link'));
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    for (const out of ['link/new/publisher', 'dangling/publisher', 'dangling/new/publisher', 'file/publisher']) {
      const r = cli(['keygen', '--type', 'ed25519', '--out', out, '--json'], { cwd: dir });
      expect({ out, status: r.status, code: r.json?.error?.code }).toEqual({ out, status: 2, code: 'OUTPUT_UNSAFE' });
    }
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'nowhere'))).toBe(false);
  });

  it("the README's Use block runs top to bottom in an empty folder", () => {
    const use = docBlocks('README.md').find((b) => b.heading === 'Use' && b.lang === 'sh');
    expect(use).toBeDefined();
    const dir = tmpDir();
    const r = spawnSync('bash', ['-c', shellPrelude() + (use as { code: string }).code], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/sha256:[0-9a-f]{64}/);
    expect(fs.existsSync(path.join(dir, 'my-model/model.sig'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'adapter.safetensors.sig'))).toBe(true);
  });
});
