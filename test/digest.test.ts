import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeManifest } from '../src/digest/manifest';
import { digestArtifact } from '../src';
import { comparePaths } from '../src/digest/order';
import { tmpDir, writeTree } from './helpers/tmp';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('digest engine', () => {
  it('orders paths component-wise as model_signing does, not as plain strings', () => {
    const names = ['ab/c', 'a.txt', 'a-c', 'a b', 'a/b', 'a/a', 'a'];
    expect([...names].sort(comparePaths)).toEqual(['a', 'a/a', 'a/b', 'a b', 'a-c', 'a.txt', 'ab/c']);
    // code point order, not UTF-16 order: U+FF61 sorts before U+1F600
    expect(['\u{1F600}', '\uFF61'].sort(comparePaths)).toEqual(['\uFF61', '\u{1F600}']);
  });

  it('orders random paths exactly as a component-by-component code point comparison does', () => {
    // The definition, spelled out: components compared as arrays of code points.
    const byDefinition = (a: string, b: string): number => {
      const pa = a.split('/').map((c) => [...c].map((ch) => ch.codePointAt(0) as number));
      const pb = b.split('/').map((c) => [...c].map((ch) => ch.codePointAt(0) as number));
      for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
        for (let j = 0; j < Math.min(pa[i].length, pb[i].length); j++) if (pa[i][j] !== pb[i][j]) return pa[i][j] - pb[i][j];
        if (pa[i].length !== pb[i].length) return pa[i].length - pb[i].length;
      }
      return pa.length - pb.length;
    };
    // Separators, characters on both sides of "/", ASCII, BMP high (U+E000-U+FFFF) and astral.
    const alphabet = ['/', '.', '-', ' ', '0', 'a', 'b', '\u00e9', '\uff61', '\ue000', '\u{1F600}', '\u{10FFFF}'];
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const names: string[] = [];
    while (names.length < 3000) {
      let name = '';
      for (let k = 1 + random(8); k > 0; k--) name += alphabet[random(alphabet.length)];
      if (!name.startsWith('/') && !name.endsWith('/') && !name.includes('//')) names.push(name);
    }
    const sign = (x: number) => Math.sign(x);
    for (let i = 0; i < names.length; i++) {
      const a = names[i];
      const b = names[(i * 7 + 1) % names.length];
      expect([a, b, sign(comparePaths(a, b))]).toEqual([a, b, sign(byDefinition(a, b))]);
    }
    expect([...names].sort(comparePaths)).toEqual([...names].sort(byDefinition));
  });

  it('hashes nested folders, empty files and unusual names', async () => {
    const root = writeTree(tmpDir(), {
      'weights/model-00001.safetensors': 'abc',
      'a b/é ü.json': '{}',
      'empty.bin': '',
      'z/deep/er/file': 'x'.repeat(1000),
    });
    const m = await computeManifest(root);
    expect(m.resources.map((r) => r.name)).toEqual(['a b/é ü.json', 'empty.bin', 'weights/model-00001.safetensors', 'z/deep/er/file']);
    for (const r of m.resources) expect(r.digest).toBe(sha256(fs.readFileSync(path.join(root, r.name))));
  });

  it('shards files at shard_size boundaries and drops empty files', async () => {
    const root = writeTree(tmpDir(), { 'big.bin': Buffer.alloc(25, 7), 'empty': '' });
    const m = await computeManifest(root, { method: 'shards', shardSize: 10 });
    expect(m.resources.map((r) => r.name)).toEqual(['big.bin:0:10', 'big.bin:10:20', 'big.bin:20:25']);
    expect(m.resources[2].digest).toBe(sha256(Buffer.alloc(5, 7)));
    expect(m.resources[0].algorithm).toBe('sha256-sharded-10');
  });

  it('supports blake2b per-file digests (64 bytes) with a SHA-256 root', async () => {
    const root = writeTree(tmpDir(), { a: 'hello' });
    const m = await computeManifest(root, { hashType: 'blake2b' });
    expect(m.resources[0].digest).toBe(createHash('blake2b512').update('hello').digest('hex'));
    expect(m.rootDigest).toBe(sha256(Buffer.from(m.resources[0].digest, 'hex')));
  });

  it('ignores .git and friends at the top level only, plus --ignore-paths', async () => {
    const root = writeTree(tmpDir(), { '.git/HEAD': 'x', '.gitignore': 'x', 'sub/.git/HEAD': 'y', 'keep': 'k', 'logs/run.txt': 'l' });
    const m = await computeManifest(root, { ignorePaths: ['logs'] });
    expect(m.resources.map((r) => r.name)).toEqual(['keep', 'sub/.git/HEAD']);
    expect(m.serialization.ignorePaths).toEqual(expect.arrayContaining(['.git', '.gitignore', 'logs']));
    const all = await computeManifest(root, { noDefaultIgnores: true });
    expect(all.resources.map((r) => r.name)).toContain('.git/HEAD');
  });

  it('refuses ignore paths with globs or ..', async () => {
    const root = writeTree(tmpDir(), { a: '1' });
    await expect(computeManifest(root, { ignorePaths: ['*.bin'] })).rejects.toMatchObject({ code: 'USAGE_ERROR' });
    await expect(computeManifest(root, { ignorePaths: ['../x'] })).rejects.toMatchObject({ code: 'USAGE_ERROR' });
  });

  it('digestArtifact leaves the default signature file out, as sign does', async () => {
    const root = writeTree(tmpDir(), { a: '1' });
    const before = await digestArtifact(root);
    fs.writeFileSync(path.join(root, 'model.sig'), '{}');
    expect((await digestArtifact(root)).rootDigest).toBe(before.rootDigest);
    expect((await computeManifest(root)).rootDigest).not.toBe(before.rootDigest);
  });

  it('a single file is named "." as model_signing names it', async () => {
    const dir = writeTree(tmpDir(), { 'adapter.safetensors': 'weights' });
    const m = await computeManifest(path.join(dir, 'adapter.safetensors'));
    expect(m.resources).toEqual([{ name: '.', algorithm: 'sha256', digest: sha256('weights') }]);
  });

  it('refuses symlinks unless allowed, and links leaving the root always', async () => {
    const outside = writeTree(tmpDir(), { secret: 's' });
    const root = writeTree(tmpDir(), { a: '1' });
    fs.symlinkSync(path.join(outside, 'secret'), path.join(root, 'link'));
    await expect(computeManifest(root)).rejects.toMatchObject({ code: 'SYMLINK_REFUSED' });
    await expect(computeManifest(root, { allowSymlinks: true })).rejects.toMatchObject({ code: 'SYMLINK_ESCAPES_ROOT' });
    fs.unlinkSync(path.join(root, 'link'));
    fs.symlinkSync('a', path.join(root, 'inside'));
    const m = await computeManifest(root, { allowSymlinks: true });
    expect(m.resources.map((r) => [r.name, r.digest])).toEqual([['a', sha256('1')], ['inside', sha256('1')]]);
  });

  it('refuses an empty artifact', async () => {
    await expect(computeManifest(tmpDir())).rejects.toMatchObject({ code: 'EMPTY_ARTIFACT' });
  });
});
