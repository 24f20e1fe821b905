import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hashTree, hashTreeSync, resolveSerialization, type DigestOptions, type ProgressEvent } from '../src/digest/manifest';
import { walkArtifact, type ArtifactTree } from '../src/digest/walk';
import { workerEntry } from '../src/digest/worker-entry';
import { BATCH_BYTES, BATCH_JOBS, planHashing } from '../src/digest/hash-plan';
import { READ_CHUNK } from '../src/digest/hash-job';
import { tmpDir, writeTree } from './helpers/tmp';

const MiB = 1024 * 1024;
// The module object itself (not an import's copy of its bindings), so that a spy reaches the engine.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeOs = require('node:os') as typeof import('node:os');

/** Many small files (some empty), nested folders, and files large enough to take the pipelined read path. */
function makeDataset(): string {
  const root = tmpDir();
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 700; i++) {
    const size = i % 50 === 0 ? 0 : (i * 7919) % 20000;
    files[`shard-${i % 7}/part-${String(i).padStart(4, '0')}.bin`] = randomBytes(size);
  }
  files['weights/model-00001.safetensors'] = randomBytes(BATCH_BYTES + 3 * READ_CHUNK + 17);
  files['weights/model-00002.safetensors'] = randomBytes(5 * READ_CHUNK + 1);
  files['weights/empty.bin'] = Buffer.alloc(0);
  files['config.json'] = Buffer.from('{"a":1}');
  return writeTree(root, files);
}

function treeOf(root: string, options: DigestOptions): { tree: ArtifactTree; serialization: ReturnType<typeof resolveSerialization> } {
  const tree = walkArtifact(root);
  return { tree, serialization: resolveSerialization(root, !tree.singleFile, options) };
}

function sha(file: string, algorithm: string, start = 0, end?: number): string {
  const data = fs.readFileSync(file);
  return createHash(algorithm).update(data.subarray(start, end ?? data.length)).digest('hex');
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

describe('parallel digest engine', () => {
  let dataset: string;
  beforeAll(() => {
    dataset = makeDataset();
  });

  it('can start hashing threads from the TypeScript sources', () => {
    // Under ts-jest there is no hash-worker.js beside the source: the TS loader must be used, not the fallback.
    const entry = workerEntry();
    expect(entry).not.toBeNull();
    expect(entry?.eval).toBe(true);
  });

  it('plans several batches and splits shards of one file into separate jobs', () => {
    const sizes = [10, 0, 3 * MiB + 5];
    const plan = planHashing(sizes.map((size, i) => ({ file: `/f${i}`, size })), MiB);
    expect(Array.from(plan.jobsPerFile)).toEqual([1, 1, 4]);
    expect(Array.from(plan.rangesPerFile)).toEqual([1, 0, 4]);
    expect(plan.batches.flatMap((_, i) => plan.jobsOf(i)).filter((j) => j.file === '/f2').map((j) => j.ranges)).toEqual(
      [0, 1, 2, 3].map((k) => [{ start: k * MiB, end: Math.min((k + 1) * MiB, 3 * MiB + 5) }]),
    );
    expect(plan.totalBytes).toBe(10 + 3 * MiB + 5);
    const many = planHashing(Array.from({ length: BATCH_JOBS * 2 + 1 }, (_, i) => ({ file: `/s${i}`, size: 1 })), undefined);
    expect(many.batches.map((_, i) => many.jobsOf(i).length)).toEqual([BATCH_JOBS, BATCH_JOBS, 1]);
  });

  for (const hashType of ['sha256', 'blake2b'] as const) {
    for (const method of ['files', 'shards'] as const) {
      it(`gives the reference manifest byte for byte (${method}, ${hashType})`, async () => {
        const options: DigestOptions = { method, hashType, shardSize: method === 'shards' ? 3 * MiB + 1 : undefined };
        const { tree, serialization } = treeOf(dataset, options);
        const reference = hashTreeSync(tree, serialization);
        const onWorkers = await hashTree(tree, serialization, { threads: 2 });
        // Workers read ahead when cores are left over for it, synchronously when not: both engines, whatever this machine has.
        const withCores = async (cores: number) => {
          const spy = jest.spyOn(nodeOs, 'availableParallelism').mockReturnValue(cores);
          try {
            return await hashTree(tree, serialization, { threads: 2 });
          } finally {
            spy.mockRestore();
          }
        };
        expect(JSON.stringify(await withCores(64))).toBe(JSON.stringify(reference));
        expect(JSON.stringify(await withCores(2))).toBe(JSON.stringify(reference));
        const onThisThread = await hashTree(tree, serialization, { threads: 0 });
        const automatic = await hashTree(tree, serialization);
        expect(JSON.stringify(onWorkers)).toBe(JSON.stringify(reference));
        expect(JSON.stringify(onThisThread)).toBe(JSON.stringify(reference));
        expect(JSON.stringify(automatic)).toBe(JSON.stringify(reference));
        // The reference itself agrees with a digest computed here from the bytes.
        const big = tree.files.find((f) => f.name === 'weights/model-00001.safetensors');
        const algo = hashType === 'sha256' ? 'sha256' : 'blake2b512';
        const first = reference.resources.find((r) => r.name.startsWith('weights/model-00001.safetensors'));
        expect(first?.digest).toBe(method === 'files' ? sha(big!.file, algo) : sha(big!.file, algo, 0, 3 * MiB + 1));
      });
    }
  }

  it('hashes the shards of one large single-file artifact on several threads', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'model.bin');
    fs.writeFileSync(file, randomBytes(6 * MiB + 3));
    const { tree, serialization } = treeOf(file, { method: 'shards', shardSize: MiB });
    const reference = hashTreeSync(tree, serialization);
    const parallel = await hashTree(tree, serialization, { threads: 3 });
    expect(parallel.resources).toHaveLength(7);
    expect(JSON.stringify(parallel)).toBe(JSON.stringify(reference));
    expect(parallel.resources[6]).toMatchObject({ name: `.:${6 * MiB}:${6 * MiB + 3}`, digest: sha(file, 'sha256', 6 * MiB) });
  });

  it('reports progress up to every byte and file', async () => {
    const { tree, serialization } = treeOf(dataset, { method: 'shards', shardSize: 2 * MiB });
    const events: ProgressEvent[] = [];
    await hashTree(tree, serialization, { threads: 2, onProgress: (e) => events.push({ ...e }) });
    const total = tree.files.reduce((n, f) => n + f.size, 0);
    expect(events.length).toBeGreaterThan(1);
    const last = events[events.length - 1];
    expect(last).toEqual({ bytesDone: total, bytesTotal: total, filesDone: tree.files.length, filesTotal: tree.files.length });
    for (let i = 1; i < events.length; i++) {
      expect(events[i].bytesDone).toBeGreaterThanOrEqual(events[i - 1].bytesDone);
      expect(events[i].filesDone).toBeGreaterThanOrEqual(events[i - 1].filesDone);
    }
  });

  it('refuses a negative, fractional or excessive thread count', async () => {
    const { tree, serialization } = treeOf(dataset, {});
    await expect(hashTree(tree, serialization, { threads: 65 })).rejects.toMatchObject({ code: 'USAGE_ERROR' });
    await expect(hashTree(tree, serialization, { threads: -1 })).rejects.toMatchObject({ code: 'USAGE_ERROR' });
    await expect(hashTree(tree, serialization, { threads: 1.5 })).rejects.toMatchObject({ code: 'USAGE_ERROR' });
  });

  describe('keeps the security checks on the hashing threads', () => {
    /** A tree as the walk would have listed it, with one entry swapped after the walk. */
    function swapped(make: (dir: string) => { name: string; file: string; size: number }): { tree: ArtifactTree; bad: string } {
      const dir = tmpDir();
      writeTree(dir, { 'a.bin': randomBytes(1000), 'z.bin': randomBytes(2000) });
      const tree = walkArtifact(dir);
      const entry = make(dir);
      tree.files.splice(1, 0, entry);
      return { tree, bad: entry.file };
    }

    const cases: Array<[string, string, (dir: string) => { name: string; file: string; size: number }]> = [
      ['a FIFO swapped in', 'SPECIAL_FILE', (dir) => {
        const file = path.join(dir, 'm.fifo');
        execFileSync('mkfifo', [file]);
        return { name: 'm.fifo', file, size: 0 };
      }],
      ['a symlink swapped in', 'SYMLINK_REFUSED', (dir) => {
        const file = path.join(dir, 'm.link');
        fs.symlinkSync(path.join(dir, 'a.bin'), file);
        return { name: 'm.link', file, size: 1000 };
      }],
      ['a file whose size changed since the walk', 'FILE_CHANGED', (dir) => {
        const file = path.join(dir, 'm.bin');
        fs.writeFileSync(file, randomBytes(64));
        return { name: 'm.bin', file, size: 65 };
      }],
      ['a file removed since the walk', 'PATH_NOT_FOUND', (dir) => ({ name: 'gone.bin', file: path.join(dir, 'gone.bin'), size: 5 })],
    ];
    for (const [what, code, make] of cases) {
      for (const threads of [2, 0]) {
        it(`${what} (${threads ? 'worker threads' : 'calling thread'})`, async () => {
          const { tree, bad } = swapped(make);
          const serialization = resolveSerialization(tree.root, true, {});
          const err = await hashTree(tree, serialization, { threads }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toMatchObject({ code, file: bad });
          expect((err as Error).message.startsWith(`${bad}: `)).toBe(true);
          // The reference engine cannot see a change made between the walk and the open (it trusts the open).
          if (code !== 'FILE_CHANGED') expect(() => hashTreeSync(tree, serialization)).toThrow(expect.objectContaining({ code }));
        });
      }
    }

    it('stops the other threads and closes every file after a failure', async () => {
      const dir = tmpDir();
      writeTree(dir, { 'big.bin': randomBytes(24 * MiB), 'small.bin': randomBytes(10) });
      const tree = walkArtifact(dir);
      tree.files.push({ name: 'zz.bin', file: path.join(dir, 'zz.bin'), size: 10 });
      const serialization = resolveSerialization(dir, true, {});
      const before = openFds();
      await expect(hashTree(tree, serialization, { threads: 2 })).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' });
      expect(openFds()).toBe(before);
    });
  });
});
