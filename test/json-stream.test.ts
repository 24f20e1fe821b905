/**
 * --json documents that hold a very long list (digest --json of a million files) are
 * written in chunks: the text must be exactly what the one-string writer gives, and the
 * CLI's digest --json must list exactly the manifest's resources.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jsonChunks, jsonText } from '../src/cli/base-command';
import { JsonList, successJson } from '../src/cli/json-output';
import { cli } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';

function streamed(doc: Record<string, unknown>): string {
  return Buffer.concat(Array.from(jsonChunks(successJson(doc)))).toString('utf8');
}

describe('jsonChunks', () => {
  const tricky = ['plain', 'bidi \u202e txt', 'line\u2028sep', 'zero\u200bwidth', 'c1 \u0085', 'quote " and \\', '\ud83d\ude00 astral', 'nul \u0000', 'sha256:' + 'a'.repeat(64)];
  const items = tricky.map((name, i) => ({ name, algorithm: 'sha256', digest: 'ab'.repeat(32), nested: { i, list: [i, [name]] } }));

  it('writes the bytes of jsonText, with the list at the top level, nested, empty, or absent', () => {
    const docs: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [{ artifact: '/m', resources: new JsonList(() => items), after: 'x\u202e' }, { artifact: '/m', resources: items, after: 'x\u202e' }],
      [{ deep: { more: [1, { list: new JsonList(() => items) }] }, digest: 'f'.repeat(64) }, { deep: { more: [1, { list: items }] }, digest: 'f'.repeat(64) }],
      [{ resources: new JsonList(() => []), n: 0 }, { resources: [], n: 0 }],
      [{ resources: new JsonList(() => [{ a: [] }, {}]) }, { resources: [{ a: [] }, {}] }],
      [{ none: true }, { none: true }],
    ];
    for (const [lazy, eager] of docs) {
      const text = streamed(lazy);
      expect(text).toBe(jsonText(successJson(eager)));
      expect(text).not.toMatch(/[\u202e\u2028\u200b\u0085]/);
    }
  });

  it('cuts a long list into chunks between items, never inside a character', () => {
    const many = Array.from({ length: 30_000 }, (_, i) => ({ name: `f-${i}-\ud83d\ude00\u202e`, digest: i.toString(16).padStart(64, '0') }));
    const chunks = Array.from(jsonChunks(successJson({ resources: new JsonList(() => many) })));
    expect(chunks.length).toBeGreaterThan(2);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(jsonText(successJson({ resources: many })));
    // Each chunk is whole UTF-8 (cut between items), and no unsafe character is left raw.
    for (const c of chunks) expect(c.toString('utf8')).toMatch(/^[\x00-\x7f\u{1f600}]*$/u);
    for (const c of chunks) expect(Buffer.from(c.toString('utf8')).equals(c)).toBe(true);
  });

  it('a string in the document that looks like the list marker stays a string', () => {
    const doc = { artifact: '\u0000list-0123', resources: new JsonList(() => [1]), note: '"\\u0000list-' };
    expect(streamed(doc)).toBe(jsonText(successJson({ artifact: '\u0000list-0123', resources: [1], note: '"\\u0000list-' })));
  });
});

describe('digest --json', () => {
  it('lists every resource of the manifest with bare digests, in order', () => {
    const files: Record<string, string> = { 'z-\u00e9.bin': 'z' };
    for (let i = 0; i < 50; i++) files[`d/${i}.bin`] = `file ${i}`;
    const root = writeTree(tmpDir(), files);
    const r = cli(['digest', root, '--json', '--method', 'shards', '--shard-size', '3']);
    expect(r.status).toBe(0);
    const names = r.json.resources.map((x: { name: string }) => x.name);
    expect(names[0]).toBe('d/0.bin:0:3');
    expect(names.at(-1)).toBe('z-\u00e9.bin:0:1');
    expect(r.json.resources.every((x: { digest: string; algorithm: string }) => /^[0-9a-f]{64}$/.test(x.digest) && x.algorithm === 'sha256-sharded-3')).toBe(true);
    const signed = path.join(tmpDir(), 'm.sig');
    expect(cli(['sign', root, '--key', path.join(__dirname, '..', 'keys-example/publisher-p256.key'), '--signature', signed, '--method', 'shards', '--shard-size', '3']).status).toBe(0);
    const payload = JSON.parse(Buffer.from(JSON.parse(fs.readFileSync(signed, 'utf8')).dsseEnvelope.payload, 'base64').toString('utf8'));
    expect(r.json.resources).toEqual(payload.predicate.resources);
    expect(r.json.digest).toBe(`sha256:${payload.subject[0].digest.sha256}`);
  });
});
