/**
 * Fleets (issue 16): workers hash deterministic parts of an artifact (digest --part),
 * sign --from-manifest joins them without re-hashing, and the signature is exactly the
 * one a single machine writes.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { digestPart, readPartialManifest, serializePartialManifest } from '../src/api/digest';
import { partOfUnits, partSlice, parsePart, UNIT_OVERHEAD_BYTES } from '../src/digest/partition';
import { cli, REPO } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';

const KiB = 1024;

function dataset(): string {
  const files: Record<string, Buffer> = { 'weights/model.safetensors': randomBytes(700 * KiB + 3), 'empty.bin': Buffer.alloc(0), 'a-c': randomBytes(10), 'a/b': randomBytes(11) };
  for (let i = 0; i < 120; i++) files[`data/${i % 4}/row-${i}.bin`] = randomBytes((i * 977) % 9000);
  return writeTree(tmpDir(), files);
}

/** Runs the CLI as a separate process without waiting for it (workers run at the same time). */
function worker(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const { NODE_ENV: _jest, ...env } = process.env;
    const p = spawn(process.execPath, [path.join(REPO, 'bin', 'run.js'), ...args], { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

async function digestParts(root: string, count: number, extra: string[] = []): Promise<string[]> {
  const dir = tmpDir();
  const outs = Array.from({ length: count }, (_, k) => path.join(dir, `part-${k}.json`));
  const runs = await Promise.all(outs.map((out, k) => worker(['digest', root, '--part', `${k}/${count}`, '--manifest-out', out, '--json', ...extra])));
  runs.forEach((r) => expect(r).toMatchObject({ status: 0, stderr: '' }));
  return outs;
}

describe('the partition', () => {
  it('parses INDEX/COUNT strictly', () => {
    expect(parsePart('0/4')).toEqual({ index: 0, count: 4 });
    expect(parsePart('3/4')).toEqual({ index: 3, count: 4 });
    for (const bad of ['4/4', '-1/4', '1/0', '01/4', '1/4 ', '1.0/4', '1/1000000', 'a/b', '']) expect(() => parsePart(bad)).toThrow(/--part must be/);
  });

  it('gives each part one contiguous run, in order, balanced by bytes within one unit', () => {
    const sizes = Array.from({ length: 5000 }, (_, i) => ((i * 7919) % 104729) * ((i % 50) + 1));
    for (const n of [1, 2, 3, 4, 7, 64]) {
      const parts = partOfUnits(sizes, n);
      for (let u = 1; u < parts.length; u++) expect(parts[u]).toBeGreaterThanOrEqual(parts[u - 1]);
      expect(parts[parts.length - 1]).toBe(n - 1);
      const weight = new Array(n).fill(0);
      sizes.forEach((s, u) => (weight[parts[u]] += s + UNIT_OVERHEAD_BYTES));
      const total = weight.reduce((a, b) => a + b, 0);
      const largest = Math.max(...sizes) + UNIT_OVERHEAD_BYTES;
      for (const w of weight) expect(Math.abs(w - total / n)).toBeLessThanOrEqual(largest);
      let covered = 0;
      for (let k = 0; k < n; k++) {
        const { from, to } = partSlice(sizes, { index: k, count: n });
        expect(from).toBe(covered);
        covered = to;
      }
      expect(covered).toBe(sizes.length);
    }
  });

  it('spreads many empty files too (every unit has a weight)', () => {
    const parts = partOfUnits(new Array(1000).fill(0), 4);
    expect([0, 1, 2, 3].map((k) => parts.filter((p) => p === k).length)).toEqual([250, 250, 250, 250]);
  });
});

describe('digest --part and sign --from-manifest', () => {
  let root: string;
  let keys: string;
  beforeAll(() => {
    root = dataset();
    keys = path.join(tmpDir(), 'k');
    expect(cli(['keygen', '--type', 'ed25519', '--out', keys]).status).toBe(0);
  });

  it.each([
    ['files', []],
    ['shards (the large file split over several parts)', ['--method', 'shards', '--shard-size', String(64 * KiB)]],
  ])('four worker processes give exactly the single-machine signature (%s)', async (_label, method) => {
    const parts = await digestParts(root, 4, method as string[]);
    const counts = parts.map((p) => JSON.parse(fs.readFileSync(p, 'utf8')).resources.length);
    expect(counts.filter((c) => c > 0).length).toBe(4); // every worker had work
    const joined = path.join(tmpDir(), 'joined.sig');
    const r = cli(['sign', root, '--key', `${keys}.key`, '--signature', joined, '--from-manifest', ...parts, '--json']);
    expect(r.status).toBe(0);
    expect(r.json.fromManifest).toEqual({ manifests: 4, parts: 4, treeChecked: true });
    const single = path.join(tmpDir(), 'single.sig');
    const s = cli(['sign', root, '--key', `${keys}.key`, '--signature', single, ...(method as string[]), '--json']);
    expect(s.status).toBe(0);
    expect(r.json.digest).toBe(s.json.digest);
    expect(r.json.resources).toBe(s.json.resources);
    // Ed25519 is deterministic: same statement, same signature, same bytes.
    expect(fs.readFileSync(joined).equals(fs.readFileSync(single))).toBe(true);
    expect(cli(['verify', root, '--key', `${keys}.pub`, '--signature', joined]).status).toBe(0);
  });

  it('verify --part: four workers each check their part; a changed file fails only the part that holds it', async () => {
    const copy = tmpDir();
    fs.cpSync(root, copy, { recursive: true });
    const sig = path.join(tmpDir(), 'whole.sig');
    expect(cli(['sign', copy, '--key', `${keys}.key`, '--signature', sig]).status).toBe(0);
    const verifyParts = () => Promise.all([0, 1, 2, 3].map((k) => worker(['verify', copy, '--key', `${keys}.pub`, '--signature', sig, '--part', `${k}/4`, '--json'])));
    const ok = await verifyParts();
    expect(ok.map((r) => r.status)).toEqual([0, 0, 0, 0]);
    const checked = ok.map((r) => JSON.parse(r.stdout).part.resourcesChecked as number);
    expect(checked.reduce((a, b) => a + b, 0)).toBe(JSON.parse(ok[0].stdout).resources); // together: every resource once
    // Change one byte of one file: the part that hashes it refuses, the others still pass.
    const parts = await digestParts(copy, 4);
    const owner = parts.findIndex((p) => JSON.parse(fs.readFileSync(p, 'utf8')).resources.some((r: { name: string }) => r.name === 'a-c'));
    expect(owner).toBeGreaterThanOrEqual(0);
    const file = path.join(copy, 'a-c');
    const bytes = fs.readFileSync(file);
    bytes[0] ^= 1;
    fs.writeFileSync(file, bytes);
    const after = await verifyParts();
    expect(after.map((r) => r.status)).toEqual([0, 1, 2, 3].map((k) => (k === owner ? 1 : 0)));
    expect(JSON.parse(after[owner].stdout).error).toMatchObject({ code: 'ARTIFACT_MISMATCH' });
    // Names are compared for the whole tree in every part: an extra file fails all four.
    fs.writeFileSync(path.join(copy, 'extra.bin'), 'x');
    expect((await verifyParts()).map((r) => r.status)).toEqual([1, 1, 1, 1]);
  });

  it('the parts may be given in any order; a part given twice, a missing part or parts of two splits are refused', async () => {
    const four = await digestParts(root, 4);
    const three = await digestParts(root, 3);
    const sig = path.join(tmpDir(), 'm.sig');
    const sign = (...files: string[]) => cli(['sign', root, '--key', `${keys}.key`, '--signature', sig, '--force', '--json', ...files.flatMap((f) => ['--from-manifest', f])]);
    expect(sign(four[3], four[1], four[0], four[2]).status).toBe(0);
    for (const [files, msg] of [
      [[four[0], four[1], four[1], four[2], four[3]], /and so is/],
      [[four[0], four[1], four[3]], /parts 2\/4 are missing/],
      [[four[0], four[1], four[2], three[2]], /parts of different splits/],
    ] as const) {
      const r = sign(...files);
      expect(r.status).toBe(2);
      expect(r.json.error.code).toBe('PARTS_INVALID');
      expect(r.json.error.message).toMatch(msg);
    }
  });

  it('refuses parts that no longer match the tree: an added, a removed, a resized file; a different serialization', async () => {
    const copy = tmpDir();
    fs.cpSync(root, copy, { recursive: true });
    const parts = await digestParts(copy, 2);
    const sig = path.join(tmpDir(), 'm.sig');
    const sign = (files = parts) => cli(['sign', copy, '--key', `${keys}.key`, '--signature', sig, '--json', ...files.flatMap((f) => ['--from-manifest', f])]);
    fs.writeFileSync(path.join(copy, 'data/added.bin'), 'new');
    expect(sign().json.error.message).toContain('no part lists "data/added.bin"');
    fs.rmSync(path.join(copy, 'data/added.bin'));
    fs.renameSync(path.join(copy, 'a-c'), path.join(copy, 'moved'));
    expect(sign().json.error.message).toContain('the parts list "a-c", which the tree does not have');
    fs.renameSync(path.join(copy, 'moved'), path.join(copy, 'a-c'));
    fs.appendFileSync(path.join(copy, 'a/b'), 'x');
    const resized = sign();
    expect(resized.status).toBe(2);
    expect(resized.json.error).toMatchObject({ code: 'PARTS_INVALID' });
    expect(resized.json.error.message).toContain('"a/b" at 11 bytes, it now has 12');
    const sharded = await digestParts(copy, 2, ['--method', 'shards']);
    const mixed = sign([parts[0], sharded[1]]);
    expect(mixed.json.error.message).toMatch(/uses serialization/);
    expect(fs.existsSync(sig)).toBe(false);
  });

  it('without the tree, signs the given digest list, says the files were not checked, and verify accepts the tree', async () => {
    const parts = await digestParts(root, 3);
    const sig = path.join(tmpDir(), 'given.sig');
    const r = cli(['sign', '--key', `${keys}.key`, '--signature', sig, '--from-manifest', ...parts.reverse()]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('WITHOUT checking any files');
    const j = cli(['sign', '--key', `${keys}.key`, '--signature', sig, '--force', '--from-manifest', ...parts, '--json']);
    expect(j.json.fromManifest.treeChecked).toBe(false);
    expect(cli(['verify', root, '--key', `${keys}.pub`, '--signature', sig]).status).toBe(0);
    expect(cli(['sign', '--key', `${keys}.key`, '--from-manifest', parts[0]]).json).toBeUndefined();
    expect(cli(['sign', '--key', `${keys}.key`, '--from-manifest', parts[0]]).stderr).toContain('--signature FILE');
  });

  it('refuses a hand-made digest list with an unsafe or duplicated name before signing', () => {
    const dir = tmpDir();
    const list = (resources: object[]) => {
      const f = path.join(dir, `list-${Math.random()}.json`);
      fs.writeFileSync(f, JSON.stringify({ mediaType: 'application/vnd.modelseal.partial-manifest.v1+json', part: { index: 0, count: 1 }, name: 'oci-model', serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false }, resources }));
      return f;
    };
    const d = 'ab'.repeat(32);
    const sig = path.join(dir, 'x.sig');
    for (const [resources, msg] of [
      [[{ name: '../etc/passwd', digest: d, size: 1 }], /not a safe relative path/],
      [[{ name: 'a', digest: d, size: 1 }, { name: 'a', digest: d, size: 1 }], /listed twice/],
      [[{ name: 'a', digest: 'zz', size: 1 }], /malformed sha256 digest/],
      [[], /empty/],
      [[{ name: `${'d/'.repeat(60_000)}f`, digest: d, size: 1 }], /more than any file system's path/],
    ] as const) {
      const r = cli(['sign', '--key', `${keys}.key`, '--signature', sig, '--from-manifest', list(resources as unknown as object[]), '--json']);
      expect(r.status).toBe(2);
      expect(r.json.error.code).toBe('PARTS_INVALID');
      expect(r.json.error.message).toMatch(msg);
    }
    expect(fs.existsSync(sig)).toBe(false);
    const ok = cli(['sign', '--key', `${keys}.key`, '--signature', sig, '--from-manifest', list([{ name: 'layer.tar', digest: d, size: 5 }]), '--json']);
    expect(ok.status).toBe(0);
  });

  it('ignore paths relative to the working folder leave out of the parts what sign leaves out', async () => {
    const parent = tmpDir();
    const model = path.join(parent, 'model');
    fs.cpSync(root, model, { recursive: true });
    const ignore = ['--ignore-paths', 'model/data/0'];
    const outs = [0, 1].map((k) => path.join(tmpDir(), `rel-${k}.json`));
    for (const [k, out] of outs.entries()) expect(cli(['digest', 'model', ...ignore, '--part', `${k}/2`, '--manifest-out', out], { cwd: parent }).status).toBe(0);
    const joined = path.join(tmpDir(), 'rel-joined.sig');
    const single = path.join(tmpDir(), 'rel-single.sig');
    expect(cli(['sign', 'model', '--key', `${keys}.key`, '--signature', joined, '--from-manifest', ...outs], { cwd: parent }).status).toBe(0);
    expect(cli(['sign', 'model', '--key', `${keys}.key`, '--signature', single, ...ignore], { cwd: parent }).status).toBe(0);
    expect(fs.readFileSync(joined).equals(fs.readFileSync(single))).toBe(true);
  });

  it('a signature written inside the tree is recorded among its ignored paths, as sign records it', async () => {
    const copy = tmpDir();
    fs.cpSync(root, copy, { recursive: true });
    const parts = await digestParts(copy, 2);
    const sig = path.join(copy, 'data', 'custom.sig');
    expect(cli(['sign', copy, '--key', `${keys}.key`, '--signature', sig, '--from-manifest', ...parts]).status).toBe(0);
    const joined = fs.readFileSync(sig);
    expect(cli(['sign', copy, '--key', `${keys}.key`, '--signature', sig, '--force']).status).toBe(0);
    expect(joined.equals(fs.readFileSync(sig))).toBe(true);
    // Parts hashed with the signature in the tree list it: the refusal says so.
    const stale = await digestParts(copy, 2);
    const r = cli(['sign', copy, '--key', `${keys}.key`, '--signature', sig, '--force', '--from-manifest', ...stale, '--json']);
    expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 2, code: 'PARTS_INVALID' });
    expect(r.json.error.message).toContain('where this signature is to be written');
  });

  it('parts that do not record the signature files among their ignored paths still join to what sign writes', async () => {
    const copy = tmpDir();
    fs.cpSync(root, copy, { recursive: true });
    const parts = await digestParts(copy, 2);
    for (const part of parts) {
      const json = JSON.parse(fs.readFileSync(part, 'utf8'));
      json.serialization.ignore_paths = json.serialization.ignore_paths.filter((p: string) => !p.endsWith('.sig') && !p.endsWith('.cose'));
      fs.writeFileSync(part, JSON.stringify(json));
    }
    const joined = path.join(tmpDir(), 'bare-joined.sig');
    const single = path.join(tmpDir(), 'bare-single.sig');
    expect(cli(['sign', copy, '--key', `${keys}.key`, '--signature', joined, '--from-manifest', ...parts]).status).toBe(0);
    expect(cli(['sign', copy, '--key', `${keys}.key`, '--signature', single]).status).toBe(0);
    expect(fs.readFileSync(joined).equals(fs.readFileSync(single))).toBe(true);
  });

  it('verify --part says it checked one part, in words and in JSON', async () => {
    const sig = path.join(tmpDir(), 'part-words.sig');
    expect(cli(['sign', root, '--key', `${keys}.key`, '--signature', sig]).status).toBe(0);
    const human = cli(['verify', root, '--key', `${keys}.pub`, '--signature', sig, '--part', '1/3']);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/^Verified part 1\/3 of /);
    expect(human.stdout).toContain('the artifact is verified only when every part of the split passes');
    const json = cli(['verify', root, '--key', `${keys}.pub`, '--signature', sig, '--part', '1/3', '--json']).json;
    expect(json).toMatchObject({ ok: true, partial: true, part: { index: 1, count: 3 } });
    expect(cli(['verify', root, '--key', `${keys}.pub`, '--signature', sig, '--json']).json.partial).toBeUndefined();
    const empty = cli(['verify', root, '--key', `${keys}.pub`, '--signature', sig, '--part', '999/1000']);
    expect(empty.stdout).toContain('(it is empty)');
  });

  it('an unknown hash in a part is an input error like the part\'s other faults; oci:// takes no parts', () => {
    const part = path.join(tmpDir(), 'md5.json');
    const good = path.join(tmpDir(), 'good.json');
    expect(cli(['digest', root, '--manifest-out', good]).status).toBe(0);
    const json = JSON.parse(fs.readFileSync(good, 'utf8'));
    json.serialization.hash_type = 'md5';
    fs.writeFileSync(part, JSON.stringify(json));
    const r = cli(['sign', '--key', `${keys}.key`, '--signature', path.join(tmpDir(), 'x.sig'), '--from-manifest', part, '--json']);
    expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 2, code: 'PARTS_INVALID' });
    const oci = cli(['sign', 'oci://127.0.0.1:9/m:1', '--key', `${keys}.key`, '--from-manifest', good, '--json']);
    expect({ status: oci.status, message: oci.json.error.message }).toEqual({ status: 2, message: expect.stringContaining('--from-manifest does not apply to an oci:// reference') });
    const ociPart = cli(['verify', 'oci://127.0.0.1:9/m:1', '--key', `${keys}.pub`, '--part', '0/2', '--json']);
    expect({ status: ociPart.status, message: ociPart.json.error.message }).toEqual({ status: 2, message: expect.stringContaining('--part does not apply to an oci:// reference') });
  });

  it('usage: --part needs --manifest-out, the manifest must be outside the artifact, hashing flags do not mix with --from-manifest', () => {
    expect(cli(['digest', root, '--part', '0/2']).status).toBe(2);
    expect(cli(['digest', root, '--part', '2/2', '--manifest-out', path.join(tmpDir(), 'p.json')]).stderr).toContain('--part must be');
    const inside = cli(['digest', root, '--part', '0/2', '--manifest-out', path.join(root, 'p.json'), '--json']);
    expect(inside.status).toBe(2);
    expect(inside.json.error.message).toContain('inside the artifact');
    expect(fs.existsSync(path.join(root, 'p.json'))).toBe(false);
    const mixed = cli(['sign', root, '--key', `${keys}.key`, '--from-manifest', 'x.json', '--method', 'shards', '--json']);
    expect(mixed.status).toBe(2);
    expect(mixed.json.error.message).toContain('--method cannot be used with --from-manifest');
  });
});

describe('partial manifests, packed', () => {
  const keys = path.join(REPO, 'keys-example', 'publisher-p256');
  const D = 'ab'.repeat(32);
  const HEAD = { mediaType: 'application/vnd.modelseal.partial-manifest.v1+json', part: { index: 0, count: 1 }, name: 'oci-model' };
  const FILES = { method: 'files', hash_type: 'sha256', allow_symlinks: false };
  function write(doc: Record<string, unknown>): string {
    const f = path.join(tmpDir(), 'list.json');
    fs.writeFileSync(f, JSON.stringify(doc));
    return f;
  }
  function sign(list: string, extra: string[] = []) {
    return cli(['sign', '--key', `${keys}.key`, '--signature', path.join(tmpDir(), 'x.sig'), '--from-manifest', list, '--json', ...extra]);
  }

  it('the library API and the CLI write the same bytes, and read back what was written', async () => {
    const root = dataset();
    for (const method of ['files', 'shards']) {
      const out = path.join(tmpDir(), 'p.json');
      const extra = method === 'shards' ? ['--method', 'shards', '--shard-size', '4096'] : [];
      expect(cli(['digest', root, '--part', '1/3', '--manifest-out', out, ...extra]).status).toBe(0);
      const api = await digestPart(root, { index: 1, count: 3 }, { method: method as 'files' | 'shards', ...(method === 'shards' ? { shardSize: 4096 } : {}) });
      expect(api.resources.length).toBeGreaterThan(3);
      expect(serializePartialManifest(api)).toBe(fs.readFileSync(out, 'utf8'));
      const back = readPartialManifest(out);
      expect(back.resources).toEqual(api.resources);
      for (const r of back.resources) {
        const s = method === 'shards' ? /:(\d+):(\d+)$/.exec(r.name) : null;
        expect(r.size).toBe(s ? Number(s[2]) - Number(s[1]) : fs.statSync(path.join(root, r.name)).size);
      }
    }
  });

  it('checks resources listed before the serialization against it, in listed order', () => {
    const resources = [{ name: 'a', algorithm: 'sha256', digest: D, size: 1 }, { name: 'b', digest: 'ab'.repeat(64), size: 1 }];
    const f = write({ resources, ...HEAD, serialization: FILES });
    expect(sign(f).json.error.message).toMatch(/"b" has a malformed sha256 digest/);
    const blake = write({ resources: [{ name: 'a', digest: D, size: 1 }], ...HEAD, serialization: { ...FILES, hash_type: 'blake2b' } });
    expect(sign(blake).json.error.message).toMatch(/"a" has a malformed blake2b digest/);
    const shards = write({ resources: [{ name: 'w:0:10', digest: D, size: 9 }], ...HEAD, serialization: { method: 'shards', hash_type: 'sha256', allow_symlinks: false, shard_size: 10 } });
    expect(sign(shards).json.error.message).toMatch(/not a shard name path:start:end of its size/);
  });

  it('an algorithm, when given, must be the serialization\'s: an empty or other one is refused', () => {
    for (const algorithm of ['', 'sha512', 'SHA256', 7, null]) {
      const r = sign(write({ ...HEAD, serialization: FILES, resources: [{ name: 'a', digest: D, size: 1 }, { name: 'b', algorithm, digest: D, size: 1 }] }));
      expect(r.status).toBe(2);
      expect(r.json.error.code).toBe('PARTS_INVALID');
      expect(r.json.error.message).toContain('"b" has algorithm');
    }
    expect(sign(write({ ...HEAD, serialization: FILES, resources: [{ name: 'a', digest: D, size: 1 }, { name: 'b', algorithm: 'sha256', digest: D, size: 1 }] })).status).toBe(0);
  });

  it('refuses resources that are not a list, and what the statement checks refuse (a shard gap, a bad name, the subject name)', () => {
    expect(sign(write({ ...HEAD, serialization: FILES, resources: { name: 'a' } })).json.error.message).toContain('resources is not a list');
    const shard = { method: 'shards', hash_type: 'sha256', allow_symlinks: false, shard_size: 10 };
    const gap = sign(write({ ...HEAD, serialization: shard, resources: [{ name: 'w:0:10', digest: D, size: 10 }, { name: 'w:20:25', digest: D, size: 5 }] }));
    expect(gap.json.error).toMatchObject({ code: 'PARTS_INVALID', message: expect.stringMatching(/leave a gap/) });
    const nul = sign(write({ ...HEAD, serialization: FILES, resources: [{ name: 'a\u0000b', digest: D, size: 1 }] }));
    expect(nul.json.error.code).toBe('PARTS_INVALID');
    const subject = sign(write({ ...HEAD, name: 'x\u202eevil', serialization: FILES, resources: [{ name: 'a', digest: D, size: 1 }] }));
    expect(subject.json.error).toMatchObject({ code: 'PARTS_INVALID', message: expect.stringContaining("the artifact's name") });
  });

  it('without the tree, sorts shards by path, then offset, whatever order the parts list them in', () => {
    const shard = { method: 'shards', hash_type: 'sha256', allow_symlinks: false, shard_size: 10 };
    const names = ['b:10:20', 'a:1:0:3', 'b:0:10', 'c/x:0:4', 'c-b:0:2', 'a:0:10', 'b:20:21', 'a:10:11'];
    const sizes = (n: string) => Number(n.split(':').at(-1)) - Number(n.split(':').at(-2));
    const resources = names.map((name, i) => ({ name, digest: i.toString(16).padStart(64, '0'), size: sizes(name) }));
    const out = path.join(tmpDir(), 's.sig');
    const r = cli(['sign', '--key', `${keys}.key`, '--signature', out, '--from-manifest', write({ ...HEAD, serialization: shard, resources }), '--json']);
    expect(r.status).toBe(0);
    const payload = JSON.parse(Buffer.from(JSON.parse(fs.readFileSync(out, 'utf8')).dsseEnvelope.payload, 'base64').toString('utf8'));
    // Component by component, by code point: "c-b" < "c/x" as strings would be wrong ("c/x" has the component "c").
    expect(payload.predicate.resources.map((x: { name: string }) => x.name)).toEqual(['a:0:10', 'a:10:11', 'a:1:0:3', 'b:0:10', 'b:10:20', 'b:20:21', 'c/x:0:4', 'c-b:0:2']);
  });
});
