import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeManifest, type Manifest } from '../src/digest/manifest';
import { ModelsealError } from '../src/errors';
import { HashCache, matchFiles } from '../src/verify/match-files';
import { tmpDir, writeTree } from './helpers/tmp';

async function verdict(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'accepted';
  } catch (err) {
    if (err instanceof ModelsealError) return `${err.code}: ${err.message}`;
    throw err;
  }
}

/**
 * The files method compares digests by the index names were matched at; lineage (a hash
 * cache) compares by name through the computed list. Both must give one verdict.
 */
describe('the files-method comparison by index', () => {
  const root = writeTree(tmpDir(), { 'a.bin': 'A', 'b/c.bin': 'C', 'b/d.bin': 'D', 'é.json': '{}', 'z/y/x.bin': 'X' });
  let signed: Manifest;
  beforeAll(async () => {
    signed = await computeManifest(root);
  });
  const both = async (manifest: Manifest, options: { ignoreUnsignedFiles?: boolean } = {}) => [
    await verdict(() => matchFiles(root, manifest, undefined, options)),
    await verdict(() => matchFiles(root, manifest, undefined, { ...options, cache: new HashCache() })),
  ];

  it('accepts the same files', async () => {
    expect(await both(signed)).toEqual(['accepted', 'accepted']);
  });

  it('names the same changed files with the same digests, in the same order', async () => {
    const tampered: Manifest = { ...signed, resources: signed.resources.map((r) => (r.name === 'b/d.bin' || r.name === 'a.bin' ? { ...r, digest: 'ab'.repeat(32) } : r)) };
    const [byIndex, byName] = await both(tampered);
    expect(byIndex).toBe(byName);
    expect(byIndex).toMatch(/^ARTIFACT_MISMATCH: .*a\.bin.*b\/d\.bin/);
  });

  it('agrees when a signed name is listed twice, and with unsigned files ignored', async () => {
    const twice: Manifest = { ...signed, resources: [...signed.resources, { ...signed.resources[1] }] };
    const [a, b] = await both(twice);
    expect(a).toBe(b);
    fs.writeFileSync(path.join(root, 'b', 'unsigned.bin'), 'U');
    try {
      expect(await both(signed, { ignoreUnsignedFiles: true })).toEqual(['accepted', 'accepted']);
    } finally {
      fs.rmSync(path.join(root, 'b', 'unsigned.bin'));
    }
  });
});
