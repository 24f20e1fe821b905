/**
 * One run of lineage checks an artifact against its own signature and then against the
 * same signature once verified: the per-run cache serves the second check, and must never
 * serve a different one (another name list with the same digests, other options).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeManifest, packedManifest, resourceListOf, rootDigestOf } from '../src/digest/manifest';
import { ResourceListBuilder } from '../src/digest/resource-list';
import { HashCache, matchFiles } from '../src/verify/match-files';
import { refusal } from './helpers/refusal';
import { tmpDir, writeTree } from './helpers/tmp';

describe('the per-run match cache', () => {
  it('answers a repeated check, and only that one', async () => {
    const root = writeTree(tmpDir(), { 'a.bin': 'a', 'b.bin': 'b', 'sub/c.bin': 'c' });
    const honest = await computeManifest(root);
    const list = resourceListOf(honest);
    // The same digests in the same order under other names: the same root digest.
    const b = new ResourceListBuilder(list.width);
    for (let i = 0; i < list.length; i++) b.add(i === 0 ? 'z.bin' : list.name(i), list.algorithm(i), list.digestBytes(i));
    const renamed = packedManifest(honest.serialization, b.finish(), rootDigestOf(list));
    expect(renamed.rootDigest).toBe(honest.rootDigest);

    const cache = new HashCache();
    expect((await matchFiles(root, honest, undefined, { cache })).files).toBe(3);
    expect((await refusal(matchFiles(root, renamed, undefined, { cache }))).code).toBe('ARTIFACT_MISMATCH');
    fs.writeFileSync(path.join(root, 'extra.bin'), 'x');
    // The repeated check is answered from the run's first look at the folder ...
    expect((await matchFiles(root, honest, undefined, { cache })).files).toBe(3);
    // ... but other options are another check.
    expect((await refusal(matchFiles(root, honest, undefined, { cache, ignorePaths: ['sub'] }))).code).toBe('ARTIFACT_MISMATCH');
    expect((await matchFiles(root, honest, undefined, { cache, ignoreUnsignedFiles: true })).files).toBe(3);
    expect((await refusal(matchFiles(root, honest, undefined, { cache: new HashCache() }))).code).toBe('ARTIFACT_MISMATCH');
  });
});
