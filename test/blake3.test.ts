import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeManifest } from '../src/digest/manifest';
import { createHasher, parseHashAlgorithm } from '../src/digest/algorithms';
import { READ_CHUNK } from '../src/digest/hash-job';
import { cli } from './helpers/cli';
import { describeWithPeers, program } from './helpers/peers';
import { tmpDir, writeTree } from './helpers/tmp';

/** The official vectors' input: bytes 0, 1, ..., 250, 0, 1, ... (test_vectors.json, BLAKE3-team/BLAKE3). */
function vectorInput(len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = i % 251;
  return b;
}

// The first 32 bytes of the extended `hash` output of the official test vectors, for these lengths.
const OFFICIAL: Array<[number, string]> = [
  [0, 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'],
  [1, '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213'],
  [1023, '10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11'],
  [1024, '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7'],
  [1025, 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444'],
  [2049, '5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030'],
  [8193, 'bab6c09cb8ce8cf459261398d2e7aef35700bf488116ceb94a36d0f5f1b7bc3b'],
  [31744, '62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47'],
  [102400, 'bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085'],
];

describe('BLAKE3', () => {
  it('is a hash_type OMS signatures may name', () => {
    expect(parseHashAlgorithm('blake3')).toBe('blake3');
    expect(() => parseHashAlgorithm('BLAKE3')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_ALGORITHM' }));
  });

  it.each(OFFICIAL)('matches the official test vector for %i bytes, in one update and in pieces', (len, want) => {
    const input = vectorInput(len);
    expect(createHasher('blake3').update(input).digest('hex')).toBe(want);
    const h = createHasher('blake3');
    for (let i = 0; i < len; i += 977) h.update(input.subarray(i, Math.min(len, i + 977)));
    expect(h.digest().toString('hex')).toBe(want);
  });

  it('files in a tree hash to the vectors, on the main thread and on hashing threads', async () => {
    const files: Record<string, Buffer> = {};
    for (const [len] of OFFICIAL) files[`v/${len}.bin`] = vectorInput(len);
    const root = writeTree(tmpDir(), files);
    for (const threads of [0, 2]) {
      const m = await computeManifest(root, { hashType: 'blake3', threads });
      const byName = Object.fromEntries(m.resources.map((r) => [r.name, r]));
      for (const [len, want] of OFFICIAL) {
        expect(byName[`v/${len}.bin`]).toEqual({ name: `v/${len}.bin`, algorithm: 'blake3', digest: want });
      }
    }
  });
});

describeWithPeers(program('b3sum', ['--version'], 'apt-get install b3sum (.ci/peers/b3sum.sh)'), 'BLAKE3 digests match b3sum', () => {
  const b3 = (file: string) => execFileSync('b3sum', ['--no-names', file], { encoding: 'utf8' }).trim();
  const b3stdin = (data: Buffer) => execFileSync('b3sum', ['--no-names'], { input: data, encoding: 'utf8' }).trim();

  it('files method: every resource digest is what b3sum prints, small, empty and pipelined-large files', async () => {
    const root = writeTree(tmpDir(), {
      'empty.bin': Buffer.alloc(0),
      'small.json': '{"x":1}',
      'big/model.safetensors': randomBytes(5 * READ_CHUNK + 12345),
      'big/other.bin': randomBytes(3 * READ_CHUNK - 1),
    });
    for (const threads of [0, 2]) {
      const m = await computeManifest(root, { hashType: 'blake3', threads });
      for (const r of m.resources) expect(r.digest).toBe(b3(path.join(root, r.name)));
    }
  });

  it('shards method: every shard digest is b3sum of that byte range', async () => {
    const data = randomBytes(3 * READ_CHUNK + 777);
    const root = writeTree(tmpDir(), { 'w.bin': data });
    const shard = READ_CHUNK + 3;
    const m = await computeManifest(root, { hashType: 'blake3', method: 'shards', shardSize: shard, threads: 2 });
    expect(m.resources.length).toBe(Math.ceil(data.length / shard));
    for (const r of m.resources) {
      const [, s, e] = r.name.split(':');
      expect(r.algorithm).toBe(`blake3-sharded-${shard}`);
      expect(r.digest).toBe(b3stdin(data.subarray(Number(s), Number(e))));
    }
  });

  it('the CLI digest --json lists b3sum digests', () => {
    const root = writeTree(tmpDir(), { 'a.txt': 'hello\n', 'b/c.bin': randomBytes(70000) });
    const r = cli(['digest', root, '--hash', 'blake3', '--json']);
    expect(r.status).toBe(0);
    expect(r.json.hashType).toBe('blake3');
    for (const res of r.json.resources) expect(res.digest).toBe(b3(path.join(root, res.name)));
  });
});

describe('--hash blake3 round trips through sign and verify', () => {
  for (const method of ['files', 'shards'] as const) {
    it(`${method} method, key signature: verifies, and a changed byte is refused`, () => {
      const dir = tmpDir();
      const model = writeTree(tmpDir(), { 'config.json': '{}', 'w/model.bin': randomBytes(2 * READ_CHUNK + 5) });
      expect(cli(['keygen', '--out', path.join(dir, 'k')]).status).toBe(0);
      const signed = cli(['sign', model, '--key', path.join(dir, 'k.key'), '--hash', 'blake3', '--method', method, '--shard-size', String(READ_CHUNK), '--json']);
      expect(signed.status).toBe(0);
      const bundle = JSON.parse(fs.readFileSync(path.join(model, 'model.sig'), 'utf8'));
      const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
      expect(statement.predicate.serialization.hash_type).toBe('blake3');
      const ok = cli(['verify', model, '--key', path.join(dir, 'k.pub'), '--json']);
      expect(ok.status).toBe(0);
      expect(ok.json.hashType).toBe('blake3');
      const fd = fs.openSync(path.join(model, 'w/model.bin'), 'r+');
      fs.writeSync(fd, Buffer.from([0xff ^ fs.readFileSync(path.join(model, 'w/model.bin'))[READ_CHUNK + 1]]), 0, 1, READ_CHUNK + 1);
      fs.closeSync(fd);
      const bad = cli(['verify', model, '--key', path.join(dir, 'k.pub'), '--json']);
      expect(bad.status).toBe(1);
    });
  }
});
