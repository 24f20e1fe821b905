import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeManifest } from '../src/digest/manifest';
import { describeWithVectors, vector } from './helpers/vectors';

// model_signing's payload goldens pin resource names, order, algorithm strings and
// root digests for fixture models; the fixtures were regenerated from its recipe.
const FIXTURES: Array<[golden: string, modelPath: string]> = [
  ['sample_model_file', 'sample_model_file/file_model'],
  ['empty_model_file', 'empty_model_file/empty_file_model'],
  ['model_folder_with_empty_file', 'model_folder_with_empty_file/empty_file_inside_model'],
  ['sample_model_folder', 'sample_model_folder/sample_model'],
  ['deep_model_folder', 'deep_model_folder/deep_model'],
];
const VARIANTS: Array<[suffix: string, options: { method: 'files' | 'shards'; shardSize?: number }]> = [
  ['', { method: 'files' }],
  ['_shard', { method: 'shards', shardSize: 1_000_000_000 }],
  ['_small_shards', { method: 'shards', shardSize: 8 }],
];

describeWithVectors('digest engine against model_signing payload goldens', () => {
  for (const [golden, model] of FIXTURES) {
    for (const [suffix, options] of VARIANTS) {
      it(`${golden}${suffix}`, async () => {
        const statement = JSON.parse(fs.readFileSync(vector('model-transparency/tests/_signing/testdata/signing/TestPayload', golden + suffix), 'utf8'));
        const modelPath = vector('model-transparency/fixtures-regenerated', model);
        const expected = statement.predicate.resources.map((r: Record<string, string>) => ({ name: r.name, algorithm: r.algorithm, digest: r.digest }));
        if (expected.length === 0) {
          // model_signing signs an empty manifest; the OMS spec says refuse, and so do we.
          await expect(computeManifest(modelPath, { ...options, allowSymlinks: true })).rejects.toMatchObject({ code: 'EMPTY_ARTIFACT' });
          return;
        }
        const m = await computeManifest(modelPath, { ...options, allowSymlinks: true });
        expect(m.resources).toEqual(expected);
        expect(m.rootDigest).toBe(statement.subject[0].digest.sha256);
      });
    }
  }

  it('per-file digests match an independent SHA-256 of each file', async () => {
    const root = vector('model-transparency/fixtures-regenerated/sample_model_folder/sample_model');
    const m = await computeManifest(root);
    for (const r of m.resources) {
      const want = createHash('sha256').update(fs.readFileSync(path.join(root, r.name))).digest('hex');
      expect(r.digest).toBe(want);
    }
    const rootWant = createHash('sha256').update(Buffer.concat(m.resources.map((r) => Buffer.from(r.digest, 'hex')))).digest('hex');
    expect(m.rootDigest).toBe(rootWant);
  });
});
