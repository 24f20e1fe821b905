/**
 * The size bound of model signatures (issue 16): sign refuses before hashing what verify
 * would refuse, and verify accepts the largest signature sign allows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeManifest, resolveSerialization } from '../src/digest/manifest';
import { walkArtifact } from '../src/digest/walk';
import { buildOmsStatement } from '../src/statement/oms';
import { serializeStatement } from '../src/statement/statement';
import { signatureByteLimit, MAX_RESOURCES_ENV } from '../src/envelope/signature-limit';
import { checkSignatureBudget, statementLength } from '../src/sign/signature-budget';
import { signatureIgnores } from '../src/sign/signature-path';
import { cli } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';

const MAX = 200;
const env = { [MAX_RESOURCES_ENV]: String(MAX) };

/** `count` files whose names (relative to the root) are exactly `nameLength` bytes long. */
function treeWithNames(count: number, nameLength: number): string {
  const root = tmpDir();
  const leaf = (i: number) => `f${String(i).padStart(4, '0')}`; // 5 bytes
  // A folder path of nameLength - 6 bytes, cut in segments of at most 201 bytes.
  const dirPath = Array.from({ length: nameLength - 6 }, (_, i) => (i % 201 === 200 && i !== nameLength - 7 ? '/' : 'd')).join('');
  const dir = path.join(root, dirPath);
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, leaf(i)), `file ${i}`);
  const sample = path.relative(root, path.join(dir, leaf(0)));
  expect(Buffer.byteLength(sample)).toBe(nameLength);
  return root;
}

function withEnv<T>(fn: () => T, max = MAX): T {
  const before = process.env[MAX_RESOURCES_ENV];
  process.env[MAX_RESOURCES_ENV] = String(max);
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env[MAX_RESOURCES_ENV];
    else process.env[MAX_RESOURCES_ENV] = before;
  }
}

function signable(root: string, max = MAX): boolean {
  const tree = walkArtifact(root);
  const s = resolveSerialization(root, true, { ignorePaths: signatureIgnores(root) }); // as sign resolves it
  try {
    withEnv(() => checkSignatureBudget(tree.files, s, path.basename(root)), max);
    return true;
  } catch (err) {
    expect((err as { code: string }).code).toBe('SIGNATURE_TOO_LARGE');
    return false;
  }
}

describe('the predicted statement length', () => {
  it.each([
    ['files', {}],
    ['shards', { method: 'shards' as const, shardSize: 7 }],
    ['blake2b shards', { method: 'shards' as const, shardSize: 10, hashType: 'blake2b' as const }],
  ])('is the exact length of the statement sign writes (%s; quotes, backslash-free escapes, non-ASCII)', async (_label, opts) => {
    const root = writeTree(tmpDir(), {
      'a"quote.bin': 'x'.repeat(23),
      'ünïcødé/名前.txt': 'y'.repeat(70),
      'tab\u00e9sep': 'z',
      'd/e/f/g.bin': 'q'.repeat(100),
      'empty.bin': '',
    });
    const manifest = await computeManifest(root, { ...opts, threads: 0 });
    const tree = walkArtifact(root, { ignores: new Set(manifest.serialization.ignorePaths) });
    const actual = serializeStatement(buildOmsStatement(manifest, 'my model "x"')).length;
    expect(statementLength(tree.files, manifest.serialization, 'my model "x"')).toBe(actual);
  });

  it('is exact for a single-file artifact', async () => {
    const file = path.join(tmpDir(), 'w.bin');
    fs.writeFileSync(file, 'w'.repeat(1000));
    const m = await computeManifest(file, { method: 'shards', shardSize: 99, threads: 0 });
    expect(statementLength(walkArtifact(file).files, m.serialization, 'w.bin')).toBe(serializeStatement(buildOmsStatement(m, 'w.bin')).length);
  });
});

describe('sign and verify share one limit', () => {
  it('sign refuses a 1 TiB file in 1000-byte shards at once, before reading it, and writes nothing', () => {
    const dir = tmpDir();
    const big = path.join(dir, 'huge.bin');
    const fd = fs.openSync(big, 'w');
    fs.ftruncateSync(fd, 2 ** 40); // sparse: no blocks on disk
    fs.closeSync(fd);
    const keys = path.join(tmpDir(), 'k');
    expect(cli(['keygen', '--out', keys]).status).toBe(0);
    const started = Date.now();
    const r = cli(['sign', big, '--key', `${keys}.key`, '--method', 'shards', '--shard-size', '1000', '--json'], { timeout: 30_000 });
    expect(Date.now() - started).toBeLessThan(20_000); // hashing 1 TiB would take hours
    expect(r.status).toBe(2);
    expect(r.json.error.code).toBe('SIGNATURE_TOO_LARGE');
    expect(r.json.error.message).toMatch(/1099511628 resources, over the limit of \d+.*--shard-size \d+ or larger/);
    expect(fs.readdirSync(dir)).toEqual(['huge.bin']);
  });

  it('sign refuses one resource over the count limit; verify accepts a signature at the limit and refuses one above', () => {
    const keys = path.join(tmpDir(), 'k');
    expect(cli(['keygen', '--out', keys]).status).toBe(0);
    const atLimit = treeWithNames(MAX, 20);
    const ok = cli(['sign', atLimit, '--key', `${keys}.key`, '--json'], { env });
    expect(ok.status).toBe(0);
    expect(ok.json.resources).toBe(MAX);
    expect(cli(['verify', atLimit, '--key', `${keys}.pub`, '--json'], { env }).status).toBe(0);

    const over = treeWithNames(MAX + 1, 20);
    const refused = cli(['sign', over, '--key', `${keys}.key`, '--json'], { env });
    expect(refused.status).toBe(2);
    expect(refused.json.error.code).toBe('SIGNATURE_TOO_LARGE');
    expect(fs.existsSync(path.join(over, 'model.sig'))).toBe(false);
    // Signed under a larger limit, the same tree is refused by a verifier that keeps MAX.
    expect(cli(['sign', over, '--key', `${keys}.key`], { env: { [MAX_RESOURCES_ENV]: String(MAX + 1) } }).status).toBe(0);
    const r = cli(['verify', over, '--key', `${keys}.pub`, '--json'], { env });
    expect(r.status).toBe(1);
    expect(r.json.error.code).toBe('MANIFEST_INVALID');
    expect(r.json.error.message).toContain(`over the limit of ${MAX}`);
  });

  it('verify accepts the largest signature sign allows (longest names at the resource limit)', () => {
    // Find the longest name length sign accepts for BIG files: the byte limit binds there
    // (at 200 files not even 4,000-byte names fill the envelope reserve).
    const BIG = 1500;
    const bigEnv = { [MAX_RESOURCES_ENV]: String(BIG) };
    let lo = 20;
    let hi = 4000;
    expect(signable(treeWithNames(BIG, lo), BIG)).toBe(true);
    expect(signable(treeWithNames(BIG, hi), BIG)).toBe(false);
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (signable(treeWithNames(BIG, mid), BIG)) lo = mid;
      else hi = mid;
    }
    const keys = path.join(tmpDir(), 'k');
    expect(cli(['keygen', '--out', keys, '--type', 'ecdsa-p384']).status).toBe(0);
    const largest = treeWithNames(BIG, lo);
    expect(cli(['sign', largest, '--key', `${keys}.key`], { env: bigEnv }).status).toBe(0);
    const size = fs.statSync(path.join(largest, 'model.sig')).size;
    expect(size).toBeLessThanOrEqual(signatureByteLimit(BIG));
    expect(size).toBeGreaterThan(signatureByteLimit(BIG) - 128 * 1024); // the bound is tight: little of the limit is left unused
    const v = cli(['verify', largest, '--key', `${keys}.pub`, '--json'], { env: bigEnv });
    expect(v.status).toBe(0);
    expect(v.json.resources).toBe(BIG);
    const next = cli(['sign', treeWithNames(BIG, hi), '--key', `${keys}.key`, '--json'], { env: bigEnv });
    expect(next.status).toBe(2);
    expect(next.json.error.code).toBe('SIGNATURE_TOO_LARGE');
  });

  it('verify refuses a signature file one byte over the limit before parsing it', () => {
    const root = writeTree(tmpDir(), { 'a.bin': 'a' });
    const keys = path.join(tmpDir(), 'k');
    expect(cli(['keygen', '--out', keys]).status).toBe(0);
    const sig = path.join(tmpDir(), 'model.sig');
    fs.writeFileSync(sig, Buffer.alloc(signatureByteLimit(MAX) + 1, 0x20));
    const r = cli(['verify', root, '--key', `${keys}.pub`, '--signature', sig, '--json'], { env });
    expect(r.status).toBe(1);
    expect(r.json.error.code).toBe('BUNDLE_INVALID');
    expect(r.json.error.message).toContain(`over the ${signatureByteLimit(MAX)}-byte limit`);
  });

  it('a small MODELSEAL_MAX_RESOURCES still signs and verifies what it counts (the statement head is in the reserve)', () => {
    const keys = path.join(tmpDir(), 'k');
    expect(cli(['keygen', '--out', keys]).status).toBe(0);
    const one = { [MAX_RESOURCES_ENV]: '1' };
    const root = writeTree(tmpDir(), { 'a.txt': 'a' });
    expect(cli(['sign', root, '--key', `${keys}.key`], { env: one }).status).toBe(0);
    expect(cli(['verify', root, '--key', `${keys}.pub`], { env: one }).status).toBe(0);
    const ten = treeWithNames(10, 250);
    expect(cli(['sign', ten, '--key', `${keys}.key`], { env: { [MAX_RESOURCES_ENV]: '10' } }).status).toBe(0);
    expect(cli(['verify', ten, '--key', `${keys}.pub`], { env: { [MAX_RESOURCES_ENV]: '10' } }).status).toBe(0);
  });

  it('a malformed MODELSEAL_MAX_RESOURCES is a usage error', () => {
    const root = writeTree(tmpDir(), { 'a.bin': 'a' });
    const keys = path.join(tmpDir(), 'k');
    expect(cli(['keygen', '--out', keys]).status).toBe(0);
    const r = cli(['sign', root, '--key', `${keys}.key`, '--json'], { env: { [MAX_RESOURCES_ENV]: '1e9' } });
    expect(r.status).toBe(2);
    expect(r.json.error.message).toContain(MAX_RESOURCES_ENV);
  });
});
