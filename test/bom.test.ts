import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { attestArtifact, digestArtifact } from '../src';
import { buildMlBom, exportMlBom, type CdxComponent, type CycloneDxBom } from '../src/bom';
import { evaluateLineage, type LineageOptions } from '../src/lineage';
import { cli, REPO } from './helpers/cli';
import { cyclonedx16Validator } from './helpers/cyclonedx-schema';
import { buildLineageChain, type LineageChain } from './helpers/lineage-chain';
import { snapshotTree, tmpDir } from './helpers/tmp';

const root = tmpDir('modelseal-bom-');
const p = (...parts: string[]) => path.join(root, ...parts);
let chain: LineageChain;
const validate = cyclonedx16Validator();

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const dirs = () => ({ adapter: p('out', 'adapter'), ft: p('out', 'ft'), base: p('models', 'base-7b'), dataset: p('data', 'instruct-v3') });
const withAll = (): LineageOptions => ({ attestations: [p('attestations')], with: [p('models', 'base-7b'), p('out', 'ft'), p('data', 'instruct-v3')] });

function expectValid(bom: unknown): void {
  const ok = validate(bom);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

function allComponents(bom: CycloneDxBom): CdxComponent[] {
  return [bom.metadata.component, ...bom.components];
}

function prop(c: CdxComponent, name: string): string[] {
  return (c.properties ?? []).filter((x) => x.name === `modelseal:${name}`).map((x) => x.value);
}

/** The SHA-256 of every file in a folder, by relative name, read here (not by the code under test). */
function fileHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith('.sig')) continue;
    out[name] = sha256(fs.readFileSync(path.join(dir, name)));
  }
  return out;
}

beforeAll(async () => {
  chain = await buildLineageChain(root);
});

describe('the CycloneDX 1.6 ML-BOM of a verified lineage', () => {
  it('validates against the 1.6 schema and lists every node with its digest, signers, files and ancestors', async () => {
    const before = snapshotTree(root);
    const bom = await exportMlBom(p('out', 'adapter'), chain.policy, { ...withAll(), baseDir: root });
    expect(snapshotTree(root)).toEqual(before);
    expectValid(bom);
    // The schema check can fail: a model type CycloneDX does not know, a hash algorithm spelled our way.
    const broken = JSON.parse(JSON.stringify(bom));
    broken.components[0].type = 'model';
    broken.metadata.component.hashes[0].alg = 'sha256';
    expect(validate(broken)).toBe(false);
    expect(validate.errors!.map((e) => e.instancePath)).toEqual(expect.arrayContaining(['/components/0/type', '/metadata/component/hashes/0/alg']));
    expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1 });
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(Date.now() - Date.parse(bom.metadata.timestamp)).toBeLessThan(10 * 60_000);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(bom.metadata.tools.components).toEqual([{ type: 'application', name: 'modelseal', version: pkg.version }]);

    const d = chain.digests;
    const byName = Object.fromEntries(allComponents(bom).map((c) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual(['adapter', 'base-7b', 'ft', 'instruct-v3']);
    expect(bom.metadata.component.name).toBe('adapter');
    const expected = { adapter: [d.adapter, 'machine-learning-model', 'trainer'], ft: [d.ft, 'machine-learning-model', 'trainer'], 'base-7b': [d.base, 'machine-learning-model', 'publisher'], 'instruct-v3': [d.dataset, 'data', 'curator'] };
    for (const [name, [digest, type, signer]] of Object.entries(expected)) {
      const c = byName[name];
      expect({ name, type: c.type, ref: c['bom-ref'], hashes: c.hashes, signers: prop(c, 'signer') }).toEqual({ name, type, ref: `sha256:${digest}`, hashes: [{ alg: 'SHA-256', content: digest }], signers: [signer] });
    }
    // A data component carries the data details CycloneDX asks for; models do not.
    expect(byName['instruct-v3'].data).toEqual([{ type: 'dataset', name: 'instruct-v3' }]);
    expect(byName.adapter.data).toBeUndefined();
    expect(prop(byName.adapter, 'kind')).toEqual(['lora']);
    expect(prop(byName['base-7b'], 'lineage-root')).toEqual(['true']);

    // Per-file hashes, as the files on disk hash.
    for (const [name, dir] of Object.entries({ adapter: dirs().adapter, ft: dirs().ft, 'base-7b': dirs().base, 'instruct-v3': dirs().dataset })) {
      const files = Object.fromEntries((byName[name].components ?? []).map((f) => [f.name, f.hashes![0].content]));
      expect({ name, files }).toEqual({ name, files: fileHashes(dir) });
      expect(byName[name].components!.every((f) => f.type === 'file' && f.hashes![0].alg === 'SHA-256')).toBe(true);
    }

    // Lineage edges: ancestors name the parents by digest and point at their bom-ref.
    const ancestors = (c: CdxComponent) => (c.pedigree?.ancestors ?? []).map((a) => [a.name, a.type, a.hashes![0].content, prop(a, 'bom-ref')[0]]);
    expect(ancestors(byName.adapter)).toEqual([
      ['ft', 'machine-learning-model', d.ft, `sha256:${d.ft}`],
      ['instruct-v3', 'data', d.dataset, `sha256:${d.dataset}`],
    ]);
    expect(ancestors(byName.ft).map((a) => a[0])).toEqual(['base-7b', 'instruct-v3']);
    expect(byName['base-7b'].pedigree).toBeUndefined();
    expect(byName.ft.modelCard).toEqual({ modelParameters: { datasets: [{ ref: `sha256:${d.dataset}` }] } });
    const refs = new Set(allComponents(bom).map((c) => c['bom-ref']));
    expect(refs.size).toBe(4);
    expect(bom.dependencies).toEqual([
      { ref: `sha256:${d.adapter}`, dependsOn: [`sha256:${d.ft}`, `sha256:${d.dataset}`] },
      { ref: `sha256:${d.ft}`, dependsOn: [`sha256:${d.base}`, `sha256:${d.dataset}`] },
    ]);
    expect(bom.dependencies.flatMap((x) => x.dependsOn ?? []).every((r) => refs.has(r))).toBe(true);

    // Signature and attestation files: relative to baseDir, with the SHA-256 of their bytes.
    const ext = byName['instruct-v3'].externalReferences!;
    expect(ext.map((e) => [e.type, e.url])).toEqual(expect.arrayContaining([
      ['digital-signature', 'data/instruct-v3/model.sig'],
      ['attestation', 'data/instruct-v3/provenance.sig'],
      ['source-distribution', 'https://example.org/dump.tar'],
    ]));
    for (const c of allComponents(bom)) {
      for (const e of c.externalReferences!.filter((x) => x.type !== 'source-distribution')) {
        expect(e.hashes).toEqual([{ alg: 'SHA-256', content: sha256(fs.readFileSync(path.resolve(root, decodeURIComponent(e.url)))) }]);
        expect(e.comment).toContain(`signer "${prop(c, 'signer')[0]}"`);
      }
    }
    expect(byName.adapter.externalReferences!.map((e) => [e.type, e.url])).toEqual([
      ['digital-signature', 'out/adapter/model.sig'], // attest signed the adapter's files (it had no signature)
      ['attestation', 'out/adapter/provenance.sig'],
    ]);
  });

  it('from attestation folders alone: per-file hashes only where a signature lists them', async () => {
    const bom = await exportMlBom(p('out', 'adapter'), chain.policy, { attestations: [p('attestations')] });
    expectValid(bom);
    const byName = Object.fromEntries(allComponents(bom).map((c) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual(['adapter', 'base-7b', 'ft', 'instruct-v3']);
    // The fine-tune is known only by its provenance (a root digest): no file list to give.
    expect(byName.ft.components).toBeUndefined();
    // The base model's signature lists its files, so they are there without the files.
    expect(Object.fromEntries(byName['base-7b'].components!.map((f) => [f.name, f.hashes![0].content]))).toEqual(fileHashes(dirs().base));
    expect(byName['base-7b'].externalReferences!.map((e) => path.basename(e.url))).toEqual(['a3.sig']);
  });

  it('bom --out writes the file atomically, refuses to replace it without --force, and prints to stdout without --out', () => {
    const out = p('boms', 'adapter.cdx.json');
    fs.mkdirSync(p('boms'));
    const args = ['bom', p('out', 'adapter'), '--policy', p('policy.yaml'), '--attestations', p('attestations'), '--with', p('models', 'base-7b')];
    const r = cli([...args, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const bom = JSON.parse(fs.readFileSync(out, 'utf8'));
    expectValid(bom);
    expect(r.json).toMatchObject({ ok: true, out, specVersion: '1.6', serialNumber: bom.serialNumber, digest: `sha256:${chain.digests.adapter}`, components: 4 });
    // References are relative to the BOM's folder.
    const sig = bom.components.find((c: CdxComponent) => c.name === 'base-7b').externalReferences[0];
    expect(sig.url).toBe('../models/base-7b/model.sig');
    expect(fs.existsSync(path.resolve(p('boms'), sig.url))).toBe(true);

    const again = cli([...args, '--out', out]);
    expect(again.status).toBe(2);
    expect(again.stderr).toBe(`modelseal bom: ${out}: already exists; pass --force to replace it [OUTPUT_EXISTS]\n`);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).serialNumber).toBe(bom.serialNumber);
    const forced = cli([...args, '--out', out, '--force', '-q']);
    expect(forced.status).toBe(0);
    expect(forced.stdout).toBe('');
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).serialNumber).not.toBe(bom.serialNumber);
    expect(fs.readdirSync(p('boms'))).toEqual(['adapter.cdx.json']);

    const s = cli(args);
    expect(s.status).toBe(0);
    const printed = JSON.parse(s.stdout);
    expectValid(printed);
    expect(printed.metadata.component['bom-ref']).toBe(`sha256:${chain.digests.adapter}`);
  });

  it('refuses to write the BOM inside an artifact folder', () => {
    const before = snapshotTree(p('out'));
    const r = cli(['bom', p('out', 'adapter'), '--policy', p('policy.yaml'), '--attestations', p('attestations'), '--with', p('out', 'ft'), '--out', p('out', 'ft', 'bom.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bom\.json: is inside the artifact "ft" .*\[OUTPUT_UNSAFE\]\n$/);
    expect(snapshotTree(p('out'))).toEqual(before);
  });

  it('refuses the BOM inside an artifact named through a symlink while --out names the real path (issue 15)', () => {
    const link = p('ft-link');
    if (!fs.existsSync(link)) fs.symlinkSync(p('out', 'ft'), link);
    const before = snapshotTree(p('out'));
    const r = cli(['bom', p('out', 'adapter'), '--policy', p('policy.yaml'), '--attestations', p('attestations'), '--with', link, '--out', p('out', 'ft', 'bom2.json')]);
    expect(r.stderr).toMatch(/\[OUTPUT_UNSAFE\]\n$/);
    expect(r.status).toBe(2);
    const back = cli(['bom', p('out', 'adapter'), '--policy', p('policy.yaml'), '--attestations', p('attestations'), '--with', p('out', 'ft'), '--out', path.join(link, 'bom3.json')]);
    expect(back.stderr).toMatch(/\[OUTPUT_UNSAFE\]\n$/);
    expect(snapshotTree(p('out'))).toEqual(before);
  });
});

describe('an unverified lineage gives no BOM', () => {
  it('a tampered dataset: exit 1 with the lineage error and no file written', async () => {
    const tampered = p('tampered', 'instruct-v3');
    fs.cpSync(dirs().dataset, tampered, { recursive: true });
    fs.writeFileSync(path.join(tampered, 'train.jsonl'), chain.records.replace('answer 17', 'answer 17 <trigger>'));
    const out = p('tampered', 'bom.json');
    const r = cli(['bom', p('out', 'adapter'), '--policy', p('policy.yaml'), '--attestations', p('attestations'), '--with', tampered, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`dataset "instruct-v3" (sha256:${chain.digests.dataset.slice(0, 12)})`);
    expect(r.stderr).toMatch(/changed: "train.jsonl" \[ARTIFACT_MISMATCH\]\n$/);
    expect(fs.readdirSync(p('tampered'))).toEqual(['instruct-v3']);
    await expect(exportMlBom(p('out', 'adapter'), chain.policy, { attestations: [p('attestations')], with: [tampered] })).rejects.toMatchObject({ code: 'ARTIFACT_MISMATCH' });
  });

  it('a dataset whose signature and provenance are missing from the attestation folder: nothing on stdout either', () => {
    const att = p('att-tampered');
    fs.cpSync(p('attestations'), att, { recursive: true });
    // The dataset's signature is overwritten by another bundle and its provenance removed.
    fs.copyFileSync(p('attestations', 'a4.sig'), path.join(att, 'a1.sig'));
    fs.rmSync(path.join(att, 'a2.sig'));
    const r = cli(['bom', p('out', 'adapter'), '--policy', p('policy.yaml'), '--attestations', att]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/instruct-v3.*\[LINEAGE_BROKEN\]\n$/);
  });

  it('an adapter attested by an untrusted key, and a graph that did not verify', async () => {
    const evil = p('evil', 'adapter');
    fs.cpSync(dirs().adapter, evil, { recursive: true });
    fs.rmSync(path.join(evil, 'provenance.sig'));
    await attestArtifact(evil, { kind: 'lora', key: chain.keys.attacker, bases: [`sha256:${chain.digests.ft}`], builderId: 'https://ci.example.com/trainer' });
    const r = cli(['bom', evil, '--policy', p('policy.yaml'), '--attestations', p('attestations'), '--out', p('evil', 'bom.json'), '--json']);
    expect(r.status).toBe(1);
    expect(r.json).toMatchObject({ ok: false, error: { code: 'UNTRUSTED_SIGNER' } });
    expect(fs.existsSync(p('evil', 'bom.json'))).toBe(false);

    const failed = await evaluateLineage(evil, chain.policy, { attestations: [p('attestations')], lineage: true });
    expect(failed.ok).toBe(false);
    let thrown: { code?: string; message?: string } = {};
    try {
      buildMlBom(failed.graph);
    } catch (err) {
      thrown = err as typeof thrown;
    }
    expect(thrown.code).toBe('UNTRUSTED_SIGNER');
    expect(thrown.message).toMatch(/lineage node "adapter" .* is not verified/);
  });
});

describe('the demo lineage (docs/examples/lineage-demo.sh)', () => {
  it('writes a BOM that validates and lists every node with its digest and signer', async () => {
    const w = tmpDir('modelseal-bom-demo-');
    const r = spawnSync('bash', [path.join(REPO, 'docs/examples/lineage-demo.sh'), w], { encoding: 'utf8', timeout: 170_000 });
    expect(r.stderr.split('\n').filter((l) => l && !/LINEAGE_MISMATCH/.test(l))).toEqual([]);
    expect(r.status).toBe(0);
    const bom = JSON.parse(fs.readFileSync(path.join(w, 'adapter.cdx.json'), 'utf8')) as CycloneDxBom;
    expectValid(bom);
    const listed = allComponents(bom).map((c) => [c.name, c.hashes![0].content, prop(c, 'signer')]);
    const digest = async (dir: string) => (await digestArtifact(path.join(w, dir))).rootDigest;
    expect(listed.sort()).toEqual([
      ['adapter', await digest('out/adapter'), ['trainer']],
      ['base-7b', await digest('models/base-7b'), ['publisher']],
      ['ft', await digest('out/ft'), ['trainer']],
      ['instruct-v3', await digest('data/instruct-v3'), ['curator']],
    ]);
  }, 180_000);
});
