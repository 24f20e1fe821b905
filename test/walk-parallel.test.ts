import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError } from '../src/errors';
import { walkArtifact, walkState, type ArtifactFile, type WalkSink } from '../src/digest/walk';
import { startWalkHelpers } from '../src/digest/walk-helpers';
import { makeHubCache } from './helpers/hf-cache';
import { tmpDir, writeTree } from './helpers/tmp';

/** 24 top-level folders, each with nested folders, so that helper threads have folders to claim. */
function makeTree(): string {
  const root = tmpDir();
  const files: Record<string, string> = { 'top.txt': 'top' };
  for (let d = 0; d < 24; d++) {
    for (let f = 0; f < 30; f++) files[`d${d}/sub${f % 3}/deeper/f${f}.bin`] = 'x'.repeat((d * 31 + f) % 97);
    files[`d${d}/é-${d}.json`] = `{"d":${d}}`;
    files[`d${d}/skip/ignored.bin`] = 'ignored';
  }
  writeTree(root, files);
  for (let d = 0; d < 24; d += 5) fs.symlinkSync('../top.txt', path.join(root, `d${d}`, 'link-to-top'));
  return root;
}

const view = (files: readonly ArtifactFile[]) => files.map((f) => [f.name, f.file, f.size]);

function ignoresOf(): Set<string> {
  return new Set(Array.from({ length: 24 }, (_, d) => `d${d}/skip`));
}

/** What the helpers alone find under `dirs` (this thread claims nothing), in walk order. */
async function helpersOnly(root: string, dirs: string[], options: { allowSymlinks?: boolean } = {}): Promise<ArtifactFile[]> {
  const state = walkState(fs.realpathSync(root), { ignores: ignoresOf(), allowSymlinks: options.allowSymlinks ?? true });
  const helpers = startWalkHelpers(state, [...dirs], 4);
  try {
    await helpers.ended;
    // Every folder was claimed by a helper thread: nothing is left for this one.
    expect(helpers.claim()).toBeUndefined();
    const found: ArtifactFile[] = [];
    const sink: WalkSink = {
      file: (name, size) => found.push({ name, file: state.prefix + name, size }),
      link: (name, file, size) => found.push({ name, file, size }),
    };
    helpers.join(sink);
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } finally {
    helpers.stop();
  }
}

function errorOf(run: () => unknown): ModelsealError {
  try {
    run();
  } catch (err) {
    if (err instanceof ModelsealError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('walking a large tree on several threads', () => {
  let root: string;
  beforeAll(() => {
    root = makeTree();
  });

  it('finds exactly what one thread finds (names, hashed paths, sizes; ignores and links honoured)', () => {
    const options = { ignores: ignoresOf(), allowSymlinks: true };
    const alone = walkArtifact(root, { ...options, helpers: { threads: 1 } });
    const shared = walkArtifact(root, { ...options, helpers: { threads: 4, after: 0 } });
    expect(view(shared.files)).toEqual(view(alone.files));
    expect(alone.files).toHaveLength(1 + 24 * 31 + 5);
    expect(alone.files.some((f) => f.name.includes('skip'))).toBe(false);
    const link = alone.files.find((f) => f.name === 'd5/link-to-top');
    expect(link?.file).toBe(path.join(fs.realpathSync(root), 'top.txt'));
  });

  it('helper threads walk the folders they claim with the same rules', async () => {
    const dirs = Array.from({ length: 24 }, (_, d) => `d${d}`);
    const found = await helpersOnly(root, dirs);
    const alone = walkArtifact(root, { ignores: ignoresOf(), allowSymlinks: true, helpers: { threads: 1 } });
    expect(view(found)).toEqual(view(alone.files.filter((f) => f.name !== 'top.txt')));
  });

  it('a refusal met by a helper thread is the refusal one thread gives (code, file, message)', async () => {
    const tree = makeTree();
    execFileSync('mkfifo', [path.join(tree, 'd17', 'sub1', 'pipe')]);
    const alone = errorOf(() => walkArtifact(tree, { ignores: ignoresOf(), helpers: { threads: 1 }, allowSymlinks: true }));
    expect(alone.code).toBe('SPECIAL_FILE');
    const shared = errorOf(() => walkArtifact(tree, { ignores: ignoresOf(), helpers: { threads: 4, after: 0 }, allowSymlinks: true }));
    expect([shared.code, shared.file, shared.message]).toEqual([alone.code, alone.file, alone.message]);
    // And when only helpers walk: their error crosses the thread boundary intact.
    const viaHelpers = await helpersOnly(tree, ['d17']).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(viaHelpers).toBeInstanceOf(ModelsealError);
    expect([(viaHelpers as ModelsealError).code, (viaHelpers as ModelsealError).message]).toEqual([alone.code, alone.message]);
  });

  it('links are refused in helper-walked folders unless allowed', async () => {
    const err = await helpersOnly(root, ['d10'], { allowSymlinks: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelsealError);
    expect((err as ModelsealError).code).toBe('SYMLINK_REFUSED');
    expect((err as ModelsealError).file).toBe(path.join(fs.realpathSync(root), 'd10', 'link-to-top'));
  });

  it('a refusal whose file path shows escapes arrives once (no doubled file prefix)', async () => {
    // The user's folder may hold an invisible character: messages show it escaped, `file` keeps it raw.
    const tree = path.join(tmpDir(), 'data\u200bset');
    writeTree(tree, { 'a/ok.bin': 'ok', 'b/ok.bin': 'ok' });
    fs.writeFileSync(Buffer.concat([Buffer.from(path.join(tree, 'b') + '/'), Buffer.from([0x66, 0xff, 0x2e, 0x62])]), 'x');
    const alone = errorOf(() => walkArtifact(tree, { helpers: { threads: 1 } }));
    expect(alone.code).toBe('UNSUPPORTED_NAME');
    const err = await helpersOnly(tree, ['a', 'b']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelsealError);
    expect([(err as ModelsealError).code, (err as ModelsealError).file, (err as ModelsealError).message]).toEqual([alone.code, alone.file, alone.message]);
    expect(alone.message.split('\\u200b').length).toBe(2);
  });

  it('a Hugging Face cache snapshot walked by helpers hashes the same blobs (links allowed only there)', async () => {
    const files: Record<string, string> = {};
    for (let d = 0; d < 6; d++) for (let f = 0; f < 4; f++) files[`layer-${d}/part-${f}.safetensors`] = `weights ${d} ${f}`;
    const { snapshot } = makeHubCache(tmpDir(), 'org/model', files);
    const alone = walkArtifact(snapshot, { helpers: { threads: 1 } });
    expect(alone.files).toHaveLength(24);
    expect(alone.files.every((f) => f.file.includes(`${path.sep}blobs${path.sep}`))).toBe(true);
    const found = await helpersOnly(snapshot, Array.from({ length: 6 }, (_, d) => `layer-${d}`), { allowSymlinks: false });
    expect(view(found)).toEqual(view(alone.files));
  });
});
