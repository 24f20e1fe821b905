/**
 * Hostile artifact trees: every case runs the real CLI on real files and asserts the
 * exact error code, the exit status and that the tree was not touched.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { hashRanges } from '../../src/digest/hash-file';
import { cli } from '../helpers/cli';
import { cliOnTree, expectCliRefusal, expectCode, hostile, makeKey, type TestKey } from '../helpers/hostile';
import { snapshotTree, tmpDir, writeTree } from '../helpers/tmp';
import { signArtifact } from '../../src/sign/sign-artifact';
import { verifyArtifact } from '../../src/verify/verify-artifact';

let key: TestKey;
beforeAll(() => {
  key = makeKey(tmpDir(), 'publisher');
});

const model = (files: Record<string, string | Buffer> = { 'weights.bin': 'weights', 'config.json': '{}' }) => writeTree(tmpDir(), files);
const sign = (root: string, ...extra: string[]) => cliOnTree(root, ['sign', root, '--key', key.privatePath, ...extra], { allowChanged: ['model.sig'] });
const verify = (root: string, ...extra: string[]) => cliOnTree(root, ['verify', root, '--key', key.publicPath, ...extra]);

function signedModel(files?: Record<string, string | Buffer>): string {
  const root = model(files);
  expect(sign(root).status).toBe(0);
  return root;
}

describe('symbolic links', () => {
  hostile('T-01', 'a symlink to a file outside the root is refused', () => {
    const outside = writeTree(tmpDir(), { 'secret.txt': 'host secret' });
    const root = model();
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'tokenizer.json'));
    expectCliRefusal(sign(root), 'SYMLINK_REFUSED', 2);
  });

  hostile('T-02', 'with --allow-symlinks, a link leaving the root is still refused', () => {
    const outside = writeTree(tmpDir(), { 'secret.txt': 'host secret' });
    const root = model();
    fs.symlinkSync(path.join('..', path.basename(outside), 'secret.txt'), path.join(root, 'tokenizer.json'));
    expectCliRefusal(sign(root, '--allow-symlinks'), 'SYMLINK_ESCAPES_ROOT', 2);
  });

  hostile('T-03', 'a symlink to a parent folder (a loop) is refused, not followed', () => {
    const root = model();
    fs.mkdirSync(path.join(root, 'sub'));
    fs.symlinkSync('..', path.join(root, 'sub', 'loop'));
    expectCliRefusal(sign(root, '--allow-symlinks'), 'SYMLINK_REFUSED', 2);
  });

  hostile('T-04', 'a symlink to itself (ELOOP) is refused', () => {
    const root = model();
    fs.symlinkSync('self', path.join(root, 'self'));
    expectCliRefusal(sign(root, '--allow-symlinks'), 'SYMLINK_REFUSED', 2);
  });

  hostile('T-05', 'an absolute symlink to a system file is refused', () => {
    const root = model();
    fs.symlinkSync('/etc/passwd', path.join(root, 'vocab.txt'));
    expectCliRefusal(sign(root, '--allow-symlinks'), 'SYMLINK_ESCAPES_ROOT', 2);
  });

  hostile('T-06', 'a dangling symlink is refused', () => {
    const root = model();
    fs.symlinkSync('does-not-exist', path.join(root, 'weights-2.bin'));
    expectCliRefusal(sign(root, '--allow-symlinks'), 'SYMLINK_REFUSED', 2);
  });

  hostile('T-07', 'a signed file swapped for a symlink to an identical copy outside is refused at verify', () => {
    const root = signedModel();
    const outside = writeTree(tmpDir(), { 'weights.bin': 'weights' });
    fs.rmSync(path.join(root, 'weights.bin'));
    fs.symlinkSync(path.join(outside, 'weights.bin'), path.join(root, 'weights.bin'));
    expectCliRefusal(verify(root), 'SYMLINK_REFUSED', 2);
  });
});

describe('special files', () => {
  const mkfifo = (p: string) => expect(spawnSync('mkfifo', [p]).status).toBe(0);

  hostile('T-08', 'a FIFO inside the artifact is refused without blocking', () => {
    const root = model();
    mkfifo(path.join(root, 'pipe.bin'));
    expectCliRefusal(sign(root), 'SPECIAL_FILE', 2);
  });

  hostile('T-09', 'a FIFO planted after signing is refused at verify without blocking', () => {
    const root = signedModel();
    mkfifo(path.join(root, 'extra.bin'));
    expectCliRefusal(verify(root), 'SPECIAL_FILE', 2);
  });

  hostile('T-10', 'a FIFO given as the artifact itself is refused without blocking', () => {
    const dir = tmpDir();
    const fifo = path.join(dir, 'model.safetensors');
    mkfifo(fifo);
    expectCliRefusal(cliOnTree(dir, ['sign', fifo, '--key', key.privatePath]), 'SPECIAL_FILE', 2);
  });

  hostile('T-11', 'a Unix socket inside the artifact is refused', async () => {
    const root = model();
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(root, 'agent.sock'), resolve));
    try {
      expectCliRefusal(sign(root), 'SPECIAL_FILE', 2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  hostile('T-12', 'a device node inside the artifact is refused', () => {
    const root = model();
    const made = spawnSync('mknod', [path.join(root, 'zero'), 'c', '1', '5']);
    if (made.status !== 0) {
      // mknod needs CAP_MKNOD; without it the case cannot be built here.
      console.warn(`SKIPPED T-12: mknod is not permitted here (${made.stderr.toString().trim()})`);
      return;
    }
    expectCliRefusal(sign(root), 'SPECIAL_FILE', 2);
  });
});

describe('links, growth and permissions', () => {
  hostile('T-13', 'hard links are hashed as the separate names they are; a change through one shows under both', () => {
    const root = model();
    fs.linkSync(path.join(root, 'weights.bin'), path.join(root, 'weights-copy.bin'));
    expect(sign(root).status).toBe(0);
    expect(verify(root).status).toBe(0);
    fs.appendFileSync(path.join(root, 'weights-copy.bin'), 'backdoor');
    const r = cli(['verify', root, '--key', key.publicPath, '--json']);
    expect(r.status).toBe(1);
    expect(r.json.error.code).toBe('ARTIFACT_MISMATCH');
    expect(r.json.error.details.changed.map((c: { name: string }) => c.name).sort()).toEqual(['weights-copy.bin', 'weights.bin']);
  });

  // Library cases: the hashing loop's onBytes hook runs between reads, so the change
  // happens while the file is being hashed, every time.
  hostile('T-14', 'a file that grows while it is hashed is refused', async () => {
    const file = path.join(model({ 'w.bin': Buffer.alloc(600_000, 1) }), 'w.bin');
    let once = false;
    const grow = () => {
      if (!once) fs.appendFileSync(file, 'more');
      once = true;
    };
    await expectCode(() => hashRanges(file, 'sha256', 'whole', { onBytes: grow }), 'FILE_CHANGED', 2);
  });

  hostile('T-15', 'a file that shrinks while it is hashed is refused', async () => {
    const file = path.join(model({ 'w.bin': Buffer.alloc(600_000, 1) }), 'w.bin');
    await expectCode(() => hashRanges(file, 'sha256', 'whole', { onBytes: () => fs.truncateSync(file, 1000) }), 'FILE_CHANGED', 2);
  });

  hostile('T-16', 'a file rewritten in place (same size) while it is hashed is refused', async () => {
    const file = path.join(model({ 'w.bin': Buffer.alloc(600_000, 1) }), 'w.bin');
    fs.utimesSync(file, new Date(2020, 0, 1), new Date(2020, 0, 1)); // so the rewrite's mtime differs for sure
    let once = false;
    const rewrite = () => {
      if (!once) fs.writeFileSync(file, Buffer.alloc(600_000, 2));
      once = true;
    };
    await expectCode(() => hashRanges(file, 'sha256', 'whole', { onBytes: rewrite }), 'FILE_CHANGED', 2);
  });

  // Root ignores mode bits (CAP_DAC_OVERRIDE): these runs drop that capability.

  hostile('T-17', 'an unreadable file is refused with a clear error', () => {
    const root = model();
    fs.chmodSync(path.join(root, 'weights.bin'), 0o000);
    const r = cliOnTree(root, ['sign', root, '--key', key.privatePath], { honourFileModes: true });
    expectCliRefusal(r, 'PATH_UNREADABLE', 2);
    expect(r.stderr).toContain('weights.bin');
  });

  hostile('T-18', 'an unreadable folder is refused with a clear error', () => {
    const root = model({ 'a.bin': 'a', 'sub/b.bin': 'b' });
    fs.chmodSync(path.join(root, 'sub'), 0o000);
    const r = cliOnTree(root, ['sign', root, '--key', key.privatePath], { honourFileModes: true });
    expectCliRefusal(r, 'PATH_UNREADABLE', 2);
    fs.chmodSync(path.join(root, 'sub'), 0o755);
  });
});

describe('empty and deep trees', () => {
  hostile('T-19', 'a folder with only empty folders has nothing to sign', () => {
    const root = tmpDir();
    fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    expectCliRefusal(sign(root), 'EMPTY_ARTIFACT', 2);
  });

  hostile('T-20', 'an empty folder added after signing is accepted: folders carry no signed content', () => {
    const root = signedModel();
    fs.mkdirSync(path.join(root, 'empty'));
    expect(verify(root).status).toBe(0);
  });

  hostile('T-21', 'zero-byte files are signed (files mode): deleting one is detected', () => {
    const root = signedModel({ 'weights.bin': 'w', '__init__.py': '' });
    expect(verify(root).status).toBe(0);
    fs.rmSync(path.join(root, '__init__.py'));
    expectCliRefusal(verify(root), 'ARTIFACT_MISMATCH', 1);
  });

  hostile('T-22', 'shards mode: a zero-byte file has no shard (OMS format), so adding one is not detected', () => {
    const root = model({ 'weights.bin': 'w' });
    expect(sign(root, '--method', 'shards', '--shard-size', '4').status).toBe(0);
    fs.writeFileSync(path.join(root, '__init__.py'), '');
    expect(verify(root).status).toBe(0);
    fs.writeFileSync(path.join(root, '__init__.py'), 'import os');
    expectCliRefusal(verify(root), 'ARTIFACT_MISMATCH', 1);
  });

  /** Builds `depth` nested one-letter folders with a file at the bottom, in a child process (cwd-relative, so past PATH_MAX). */
  function deepTree(depth: number): string {
    const root = tmpDir();
    const script = `process.chdir(${JSON.stringify(root)}); for (let i = 0; i < ${depth}; i++) { require('fs').mkdirSync('d'); process.chdir('d'); } require('fs').writeFileSync('w.bin', 'deep');`;
    expect(spawnSync(process.execPath, ['-e', script]).status).toBe(0);
    return root;
  }
  /** `find` walks trees deeper than PATH_MAX, where snapshotTree cannot. */
  const listing = (root: string) => spawnSync('find', [root, '-printf', '%d %y %s %m %T@\n'], { maxBuffer: 1 << 28 }).stdout.toString();

  // Node's recursive rmSync overflows on such trees; GNU rm does not.
  const removeDeep = (root: string) => spawnSync('rm', ['-rf', root]);

  // Building and removing 10,000 folders is the slow part (tens of seconds on a loaded
  // machine), so it happens in hooks with their own timeout; the case itself — the CLI
  // walking the tree — runs within the normal test timeout.
  let deep10k: string;
  beforeAll(() => {
    deep10k = deepTree(10_000);
  }, 300_000);
  afterAll(() => removeDeep(deep10k), 300_000);

  hostile('T-23', '10,000 nested folders: refused with a clear error, no stack overflow, tree untouched', () => {
    const before = listing(deep10k);
    const r = cli(['sign', deep10k, '--key', key.privatePath]);
    expectCliRefusal(r, 'UNSUPPORTED_NAME', 2);
    expect(r.stderr).toContain('4095-byte limit');
    expect(r.stderr.length).toBeLessThan(600);
    expect(listing(deep10k)).toBe(before);
  });

  hostile('T-24', '2,000 nested folders (deep but openable) sign and verify: the walk does not recurse', async () => {
    const root = deepTree(2000);
    try {
      // Library calls: a CLI round trip per step would only repeat the 2,000-level snapshot.
      const before = snapshotTree(root);
      const signature = path.join(tmpDir(), 'deep.sig');
      await signArtifact(root, { key: key.info, signature });
      const result = await verifyArtifact(root, { keys: key.publicPath, signature });
      expect(result.manifest.resources.map((r) => r.name)).toEqual([`${'d/'.repeat(2000)}w.bin`]);
      expect(snapshotTree(root)).toEqual(before);
    } finally {
      removeDeep(root);
    }
  });
});

describe('file names', () => {
  const named = (name: string | Buffer) => {
    const root = model();
    fs.writeFileSync(Buffer.isBuffer(name) ? Buffer.concat([Buffer.from(root + '/'), name]) : path.join(root, name), 'x');
    return root;
  };

  hostile('T-25', 'a name with a newline is refused (it would forge manifest and log lines)', () => {
    expectCliRefusal(sign(named('weights.bin\nconfig.json')), 'UNSUPPORTED_NAME', 2);
  });

  hostile('T-26', 'a name with a backslash is refused (a path separator on Windows)', () => {
    expectCliRefusal(sign(named('..\\..\\evil.bin')), 'UNSUPPORTED_NAME', 2);
  });

  hostile('T-27', 'a name with a terminal escape sequence is refused', () => {
    expectCliRefusal(sign(named('\u001b[2Jok.bin')), 'UNSUPPORTED_NAME', 2);
  });

  hostile('T-28', 'a name that is not valid UTF-8 is refused', () => {
    expectCliRefusal(sign(named(Buffer.from([0x77, 0xff, 0xfe, 0x2e, 0x62]))), 'UNSUPPORTED_NAME', 2);
  });

  hostile('T-29', 'names with a leading dash sign and verify as files, never as flags', () => {
    const root = signedModel({ '--force': 'a', '-rf': 'b', 'weights.bin': 'w' });
    expect(verify(root).status).toBe(0);
    fs.appendFileSync(path.join(root, '-rf'), 'x');
    expectCliRefusal(verify(root), 'ARTIFACT_MISMATCH', 1);
  });

  hostile('T-30', 'a 255-byte name (the filesystem maximum) signs and verifies', () => {
    const long = '€'.repeat(85); // 3 bytes each
    expect(Buffer.byteLength(long)).toBe(255);
    const root = signedModel({ [long]: 'x', 'weights.bin': 'w' });
    expect(verify(root).status).toBe(0);
  });

  hostile('T-31', 'two names equal after Unicode normalization (NFC vs NFD) are refused', () => {
    const root = model({ 'mod\u00e8l.bin': 'real', 'mode\u0300l.bin': 'evil' });
    expectCliRefusal(sign(root), 'UNSUPPORTED_NAME', 2);
  });

  hostile('T-32', 'two names that differ only in case are refused', () => {
    const root = model({ 'Model.safetensors': 'real', 'model.safetensors': 'evil' });
    expectCliRefusal(sign(root), 'UNSUPPORTED_NAME', 2);
  });
});

describe('tampering after signing', () => {
  hostile('T-33', 'an unsigned pickle added beside the weights is refused', () => {
    const root = signedModel();
    fs.writeFileSync(path.join(root, 'pytorch_model.bin'), Buffer.from('80049500000000000000008c05706f736978', 'hex'));
    expectCliRefusal(verify(root), 'ARTIFACT_MISMATCH', 1);
  });

  hostile('T-34', 'swapped weights (same name and size) are refused', () => {
    const root = signedModel();
    fs.writeFileSync(path.join(root, 'weights.bin'), 'WEIGHTS');
    expectCliRefusal(verify(root), 'ARTIFACT_MISMATCH', 1);
  });

  hostile('T-35', 'a signed file removed is refused', () => {
    const root = signedModel();
    fs.rmSync(path.join(root, 'config.json'));
    expectCliRefusal(verify(root), 'ARTIFACT_MISMATCH', 1);
  });

  hostile('T-36', 'a signed file renamed (same bytes) is refused', () => {
    const root = signedModel();
    fs.renameSync(path.join(root, 'config.json'), path.join(root, 'config.JSON.bak'));
    expectCliRefusal(verify(root), 'ARTIFACT_MISMATCH', 1);
  });
});
