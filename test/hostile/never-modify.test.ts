/**
 * "Never modify the user's artifacts": sign writes exactly one file, never through a
 * symlink, and refuses before it hashes anything when it could not write the result.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliOnTree, expectCliRefusal, hostile, makeKey, type TestKey } from '../helpers/hostile';
import { snapshotTree, tmpDir, writeTree } from '../helpers/tmp';

let key: TestKey;
beforeAll(() => {
  key = makeKey(tmpDir(), 'publisher');
});

const model = () => writeTree(tmpDir(), { 'weights.bin': 'weights', 'config.json': '{}' });

hostile('W-01', 'sign adds model.sig and changes nothing else; verify changes nothing at all', () => {
  const root = model();
  const before = snapshotTree(root);
  expect(cliOnTree(root, ['sign', root, '--key', key.privatePath], { allowChanged: ['model.sig'] }).status).toBe(0);
  const after = snapshotTree(root);
  expect(Object.keys(after).filter((k) => !(k in before))).toEqual(['model.sig']);
  expect(cliOnTree(root, ['verify', root, '--key', key.publicPath]).status).toBe(0);
});

hostile('W-02', 'sign refuses to write model.sig through a symlink to a file outside, even with --force', () => {
  const root = model();
  const victim = writeTree(tmpDir(), { '.bashrc': 'original' });
  const victimBefore = snapshotTree(victim);
  fs.symlinkSync(path.join(victim, '.bashrc'), path.join(root, 'model.sig'));
  expectCliRefusal(cliOnTree(root, ['sign', root, '--key', key.privatePath]), 'OUTPUT_UNSAFE', 2);
  expectCliRefusal(cliOnTree(root, ['sign', root, '--key', key.privatePath, '--force']), 'OUTPUT_UNSAFE', 2);
  expect(snapshotTree(victim)).toEqual(victimBefore);
});

hostile('W-03', 'sign refuses a dangling model.sig symlink (it would create the target)', () => {
  const root = model();
  const target = path.join(tmpDir(), 'created-by-attacker');
  fs.symlinkSync(target, path.join(root, 'model.sig'));
  expectCliRefusal(cliOnTree(root, ['sign', root, '--key', key.privatePath, '--force']), 'OUTPUT_UNSAFE', 2);
  expect(fs.existsSync(target)).toBe(false);
});

hostile('W-04', 'an existing signature is refused before hashing (a FIFO in the tree is never reached)', () => {
  const root = model();
  fs.writeFileSync(path.join(root, 'model.sig'), 'previous signature');
  expect(spawnSync('mkfifo', [path.join(root, 'pipe')]).status).toBe(0);
  // Were the tree hashed first, the FIFO would be reported as SPECIAL_FILE.
  expectCliRefusal(cliOnTree(root, ['sign', root, '--key', key.privatePath]), 'OUTPUT_EXISTS', 2);
});

hostile('W-05', 'a folder in place of the signature file is refused', () => {
  const root = model();
  fs.mkdirSync(path.join(root, 'model.sig'));
  expectCliRefusal(cliOnTree(root, ['sign', root, '--key', key.privatePath, '--force']), 'OUTPUT_UNSAFE', 2);
});

hostile('W-06', 'keygen refuses to write a key through a symlink, even with --force', () => {
  const dir = tmpDir();
  const victim = writeTree(tmpDir(), { authorized_keys: 'original' });
  fs.symlinkSync(path.join(victim, 'authorized_keys'), path.join(dir, 'ci.pub'));
  const before = snapshotTree(victim);
  expectCliRefusal(cliOnTree(dir, ['keygen', '--out', path.join(dir, 'ci'), '--force']), 'OUTPUT_UNSAFE', 2); // and no lone ci.key
  expect(snapshotTree(victim)).toEqual(before);
});
