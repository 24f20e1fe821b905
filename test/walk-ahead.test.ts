import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeManifest, type Manifest } from '../src/digest/manifest';
import * as walk from '../src/digest/walk';
import { WalkAhead } from '../src/digest/walk-ahead';
import { ModelsealError } from '../src/errors';
import { matchFiles, walkAheadOfSignature, walkLikeSignature } from '../src/verify/match-files';
import { loadPrivateKey, signArtifact, verifyArtifact } from '../src';
import { walkAheadFrom } from '../src/verify/verify-artifact';
import { tmpDir, writeTree } from './helpers/tmp';

const KEY = path.join(__dirname, '..', 'keys-example', 'publisher-p256.key');
const PUB = path.join(__dirname, '..', 'keys-example', 'publisher-p256.pub');

function makeTree(extra: Record<string, string> = {}): string {
  const files: Record<string, string> = { 'config.json': '{}', ...extra };
  for (let d = 0; d < 12; d++) for (let f = 0; f < 8; f++) files[`d${d}/s${f % 2}/f${f}.bin`] = 'x'.repeat(d * 8 + f);
  return writeTree(tmpDir(), files);
}

const view = (tree: walk.ArtifactTree) => tree.files.map((f) => [f.name, f.file, f.size]);

async function refusal(run: () => Promise<unknown>): Promise<ModelsealError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof ModelsealError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('walking a dataset while its signature is read', () => {
  const signature = () => path.join(tmpDir(), 'model.sig'); // outside the artifact
  let walked: jest.SpyInstance;
  beforeEach(() => {
    walked = jest.spyOn(walk, 'walkArtifact');
  });
  afterEach(() => walked.mockRestore());

  it('gives the tree the signed walk gives (own helper threads included), and nothing is walked again', async () => {
    const root = makeTree();
    const manifest = await computeManifest(root);
    const sig = signature();
    const expected = walkLikeSignature(root, manifest.serialization, sig);
    walked.mockClear();
    const ahead = walkAheadOfSignature(root, sig, {});
    expect(ahead).toBeDefined();
    const result = await matchFiles(root, manifest, sig, { walkAhead: ahead });
    expect(result.files).toBe(expected.files.length);
    expect(walked).not.toHaveBeenCalled();

    // The same walk split over helper threads from the first file.
    const real = fs.realpathSync(root);
    const ignores = new Set(manifest.serialization.ignorePaths);
    const shared = WalkAhead.start(real, ignores, { threads: 3, after: 0 });
    const tree = await shared?.take(real, ignores);
    expect(tree && view(tree)).toEqual(view(expected));
  });

  it('is not used where a signed ignore path names walked files: the verdict is the signed walk\'s', async () => {
    const root = makeTree({ 'x/a.bin': 'a' });
    const full = await computeManifest(root);
    // A crafted manifest: it ignores x/ yet lists x/a.bin. Walked as signed, x/a.bin is missing.
    const crafted: Manifest = { ...full, serialization: { ...full.serialization, ignorePaths: [...full.serialization.ignorePaths, 'x'] } };
    const sig = signature();
    const alone = await refusal(() => matchFiles(root, crafted, sig));
    expect(alone.code).toBe('ARTIFACT_MISMATCH');
    expect(alone.message).toContain('x/a.bin');
    walked.mockClear();
    const ahead = await refusal(() => matchFiles(root, crafted, sig, { walkAhead: walkAheadOfSignature(root, sig, {}) }));
    expect([ahead.code, ahead.message]).toEqual([alone.code, alone.message]);
    expect(walked).toHaveBeenCalledTimes(1);
  });

  it('falls back to the signed walk where the walk ahead met a link: links the signature allows are followed', async () => {
    const root = makeTree();
    fs.symlinkSync('../config.json', path.join(root, 'd3', 'link.json'));
    const manifest = await computeManifest(root, { allowSymlinks: true });
    const sig = signature();
    walked.mockClear();
    const result = await matchFiles(root, manifest, sig, { walkAhead: walkAheadOfSignature(root, sig, {}) });
    expect(result.files).toBe(manifest.resources.length);
    expect(walked).toHaveBeenCalledTimes(1);
  });

  it('reports the signed walk\'s own refusal when the walk ahead failed (a FIFO)', async () => {
    const root = makeTree();
    const manifest = await computeManifest(root);
    execFileSync('mkfifo', [path.join(root, 'd5', 'pipe')]);
    const sig = signature();
    const alone = await refusal(() => matchFiles(root, manifest, sig));
    const ahead = await refusal(() => matchFiles(root, manifest, sig, { walkAhead: walkAheadOfSignature(root, sig, {}) }));
    expect([ahead.code, ahead.file]).toEqual([alone.code, alone.file]);
    expect(alone.code).toBe('SPECIAL_FILE');
  });

  it('sees what changed in the folder while the signature was read, as a fresh walk does', async () => {
    const cases: Array<[string, (root: string) => void]> = [
      ['an unsigned file added to a folder', (root) => fs.writeFileSync(path.join(root, 'd4', 's1', 'evil.py'), 'import os')],
      ['a folder replaced by a link to one outside', (root) => {
        const outside = writeTree(tmpDir(), { 'f0.bin': '', 'f2.bin': 'xx', 'f4.bin': 'xxxx', 'f6.bin': 'xxxxxx' });
        fs.rmSync(path.join(root, 'd0', 's0'), { recursive: true });
        fs.symlinkSync(outside, path.join(root, 'd0', 's0'));
      }],
      ['a file removed', (root) => fs.rmSync(path.join(root, 'd9', 's1', 'f3.bin'))],
    ];
    for (const [what, change] of cases) {
      const root = makeTree();
      const manifest = await computeManifest(root);
      const sig = signature();
      const ahead = walkAheadOfSignature(root, sig, {});
      await ahead?.answered;
      change(root);
      const alone = await refusal(() => matchFiles(root, manifest, sig));
      const taken = await refusal(() => matchFiles(root, manifest, sig, { walkAhead: ahead }));
      expect([what, taken.code, taken.message]).toEqual([what, alone.code, alone.message]);
    }
  });

  it('reports a bad ignore path of the caller after the signature\'s own refusal, as without it', async () => {
    const root = makeTree();
    const sig = signature();
    fs.writeFileSync(sig, '{"not": "a bundle"}');
    const saved = walkAheadFrom.signatureBytes;
    walkAheadFrom.signatureBytes = 0;
    try {
      const err = await refusal(() => verifyArtifact(root, { keys: PUB, signature: sig, ignorePaths: ['../outside'] }));
      expect(err.code).toBe('BUNDLE_INVALID');
    } finally {
      walkAheadFrom.signatureBytes = saved;
    }
  });

  it('verifyArtifact walks ahead for a large signature, with the same verdicts', async () => {
    const root = makeTree();
    const sig = signature();
    await signArtifact(root, { key: loadPrivateKey(KEY), signature: sig });
    const saved = walkAheadFrom.signatureBytes;
    walkAheadFrom.signatureBytes = 0;
    try {
      walked.mockClear();
      const ok = await verifyArtifact(root, { keys: PUB, signature: sig });
      expect(ok.checked.files).toBe(97);
      expect(walked).not.toHaveBeenCalled();
      fs.writeFileSync(path.join(root, 'd7', 'unsigned.bin'), 'new');
      const extra = await refusal(() => verifyArtifact(root, { keys: PUB, signature: sig }));
      expect(extra.code).toBe('ARTIFACT_MISMATCH');
      expect(extra.message).toContain('d7/unsigned.bin');
      // A bad signature is reported as such, the walk ahead stopped.
      const bytes = fs.readFileSync(sig, 'utf8');
      const bad = path.join(tmpDir(), 'bad.sig');
      fs.writeFileSync(bad, bytes.replace(/"sig":\s*"([A-Za-z0-9+/]{8})/, (_m, s: string) => `"sig":"${s.split('').reverse().join('')}`));
      expect((await refusal(() => verifyArtifact(root, { keys: PUB, signature: bad }))).code).toBe('SIGNATURE_MISMATCH');
    } finally {
      walkAheadFrom.signatureBytes = saved;
    }
  });
});
