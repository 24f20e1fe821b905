import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';

function signed(): { root: string; pub: string; key: string } {
  const root = writeTree(tmpDir(), { 'a.bin': 'aaa', 'b/c.bin': 'ccc' });
  const k = path.join(tmpDir(), 'k');
  expect(cli(['keygen', '--out', k]).status).toBe(0);
  expect(cli(['sign', root, '--key', k + '.key']).status).toBe(0);
  return { root, pub: k + '.pub', key: k + '.key' };
}

function expectOneLine(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('bad input gives one line, a stable code and a documented exit status', () => {
  it('missing artifact: exit 2', () => {
    const r = cli(['digest', path.join(tmpDir(), 'nope')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/nope: no such file or directory \[PATH_NOT_FOUND\]/);
    expectOneLine(r.stderr);
  });

  it('missing signature: exit 2', () => {
    const root = writeTree(tmpDir(), { a: '1' });
    const k = path.join(tmpDir(), 'k');
    cli(['keygen', '--out', k]);
    const r = cli(['verify', root, '--key', k + '.pub']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/model\.sig: not found \[SIGNATURE_NOT_FOUND\]/);
  });

  it('malformed and truncated model.sig: exit 1', () => {
    const { root, pub } = signed();
    const sig = path.join(root, 'model.sig');
    const text = fs.readFileSync(sig, 'utf8');
    fs.writeFileSync(sig, text.slice(0, text.length / 2));
    let r = cli(['verify', root, '--key', pub]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/model\.sig: the signature file is not acceptable JSON: .*truncated.*\[BUNDLE_INVALID\]/);
    expectOneLine(r.stderr);
    fs.writeFileSync(sig, '[]');
    r = cli(['verify', root, '--key', pub]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/BUNDLE_INVALID/);
  });

  it('a signature for another artifact: exit 1', () => {
    const a = signed();
    const other = writeTree(tmpDir(), { 'x.bin': 'different' });
    const r = cli(['verify', other, '--key', a.pub, '--signature', path.join(a.root, 'model.sig'), '--json']);
    expect(r.status).toBe(1);
    expect(r.json.error.code).toBe('ARTIFACT_MISMATCH');
    expect(r.json.error.details.missing).toEqual(['a.bin', 'b/c.bin']);
  });

  it('a FIFO in the tree is refused, never read: exit 2', () => {
    const root = writeTree(tmpDir(), { a: '1' });
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    const r = cli(['digest', root], { timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/pipe: is a FIFO.*\[SPECIAL_FILE\]/);
  });

  it('a symlink pointing outside the artifact: exit 2', () => {
    const root = writeTree(tmpDir(), { a: '1' });
    fs.symlinkSync('/etc/passwd', path.join(root, 'passwd'));
    let r = cli(['digest', root]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/SYMLINK_REFUSED/);
    r = cli(['digest', root, '--allow-symlinks']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/outside the artifact \[SYMLINK_ESCAPES_ROOT\]/);
  });

  it('usage errors: exit 2 and --json errors on stdout', () => {
    let r = cli(['verify', tmpDir()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/say whom to trust: --key FILE.*\[USAGE_ERROR\]/);
    r = cli(['digest', tmpDir(), '--bogus', '--json']);
    expect(r.status).toBe(2);
    expect(r.json).toMatchObject({ ok: false, error: { code: 'USAGE_ERROR' } });
  });

  it('a missing argument and an unknown command are one-line usage errors', () => {
    let r = cli(['verify']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('modelseal verify: Missing 1 required arg: artifact (see --help) [USAGE_ERROR]\n');
    r = cli(['sing', tmpDir()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('modelseal: unknown command "sing"; did you mean "sign"? (see modelseal help) [USAGE_ERROR]\n');
    r = cli(['sing', '--json']);
    expect(r.json).toMatchObject({ ok: false, error: { code: 'USAGE_ERROR' } });
  });

  it('--debug adds the stack trace', () => {
    const r = cli(['digest', path.join(tmpDir(), 'nope'), '--debug']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
