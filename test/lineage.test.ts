import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { attestArtifact, digestArtifact, signArtifact, verifyArtifact } from '../src';
import { evaluateLineage, verifyLineage, type LineageOptions } from '../src/lineage';
import { loadPolicy, type Policy } from '../src/policy';
import { cli } from './helpers/cli';
import { buildLineageChain, makeArtifact, type ChainKeys, type LineageChain } from './helpers/lineage-chain';
import { snapshotTree, tmpDir } from './helpers/tmp';

/**
 * The acceptance chain of issue 5 on generated files:
 *   dataset (signed + attested by curator) ──┐
 *   base model (signed by publisher) ────────┴─> fine-tune (attested by trainer) ─> LoRA adapter (attested by trainer)
 * then each attack, refused with its code and a reason naming the node.
 */
const root = tmpDir('modelseal-lineage-');
const p = (...parts: string[]) => path.join(root, ...parts);
let keys: ChainKeys;
let policy: Policy;
let digests: LineageChain['digests'];
let records: string;

function opts(extra: LineageOptions = {}): LineageOptions {
  return { attestations: [p('attestations')], ...extra };
}

beforeAll(async () => {
  ({ keys, policy, digests, records } = await buildLineageChain(root));
});

async function refusal(artifact: string, options: LineageOptions, pol: Policy = policy): Promise<{ code: string; message: string; failed: string[] }> {
  const r = await evaluateLineage(artifact, pol, options);
  expect(r.ok).toBe(false);
  return { code: r.error!.code, message: r.error!.message, failed: r.graph.nodes.filter((n) => n.status === 'failed').map((n) => n.name) };
}

describe('the chain dataset -> base -> fine-tune -> LoRA adapter', () => {
  it('verifies to the trusted roots, binding every input by digest', async () => {
    const before = snapshotTree(root);
    const graph = await verifyLineage(p('out', 'adapter'), policy, opts({ with: [p('models', 'base-7b'), p('out', 'ft'), p('data', 'instruct-v3')] }));
    expect(snapshotTree(root)).toEqual(before);
    const by = Object.fromEntries(graph.nodes.map((n) => [n.name, n]));
    expect(Object.keys(by).sort()).toEqual(['adapter', 'base-7b', 'ft', 'instruct-v3']);
    expect(graph.digest).toBe(digests.adapter);
    expect(by.adapter).toMatchObject({ digest: digests.adapter, kind: 'lora', status: 'verified', followed: true, trustedRoot: false });
    // attest signed the adapter's files too (model.sig) as well as its provenance.
    expect(by.adapter.signers.map((s) => [s.signer, s.evidence])).toEqual([['trainer', 'signature'], ['trainer', 'provenance']]);
    expect(by.ft).toMatchObject({ digest: digests.ft, kind: 'finetune', builderId: 'https://ci.example.com/trainer', status: 'verified', followed: true });
    expect(by['base-7b']).toMatchObject({ digest: digests.base, trustedRoot: true, status: 'verified' });
    expect(by['base-7b'].signers.map((s) => s.signer)).toEqual(['publisher']);
    expect(by['instruct-v3']).toMatchObject({ digest: digests.dataset, trustedRoot: true, kind: 'dataset' });
    expect(new Set(by['instruct-v3'].signers.map((s) => s.signer))).toEqual(new Set(['curator']));
    expect(by.ft.dependencies.map((d) => [d.role, d.sha256])).toEqual([
      ['base_model', digests.base],
      ['dataset', digests.dataset],
    ]);
    expect(by['instruct-v3'].references).toEqual([{ role: 'source', sha256: 'ab'.repeat(32), uri: 'https://example.org/dump.tar' }]);
  });

  it('verifies from attestation folders alone, and through the CLI with a tree', async () => {
    await expect(verifyLineage(p('out', 'adapter'), policy, opts())).resolves.toMatchObject({ name: 'adapter' });
    const r = cli(['lineage', p('out', 'adapter'), '--policy', p('policy.yaml'), '--attestations', p('attestations')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^✓ adapter  lora  signer: trainer  sha256:${digests.adapter.slice(0, 12)}$`));
    expect(lines[1]).toMatch(/^├─ ✓ ft  finetune  signer: trainer/);
    expect(r.stdout).toContain(`✓ base-7b  base model  signer: publisher  sha256:${digests.base.slice(0, 12)} [root]`);
    const j = cli(['verify', p('out', 'adapter'), '--policy', p('policy.yaml'), '--lineage', '--attestations', p('attestations'), '--json']);
    expect(j.status).toBe(0);
    expect(j.json).toMatchObject({ ok: true, verified: true, lineageVerified: true, digest: `sha256:${digests.adapter}` });
    expect(j.json.nodes).toHaveLength(4);
  });

  it('leaves the root digests unchanged and --key verification working after attest', async () => {
    // provenance.sig lies inside each folder: it is never hashed.
    expect(fs.existsSync(p('out', 'ft', 'provenance.sig'))).toBe(true);
    const ftFiles = (await digestArtifact(p('out', 'ft'))).resources.map((r) => r.name);
    expect(ftFiles).toEqual(['config.json', 'model.safetensors']);
    const v = await verifyArtifact(p('data', 'instruct-v3'), { keys: p('keys', 'curator.pub') });
    expect(v.rootDigest).toBe(digests.dataset);
    const c = cli(['verify', p('models', 'base-7b'), '--key', p('keys', 'publisher.pub')]);
    expect(c.status).toBe(0);
  });
});

describe('attacks on the chain are refused, naming the node', () => {
  it('base model swapped for a look-alike with the same name', async () => {
    const fake = p('lookalike', 'base-7b');
    makeArtifact(fake, { 'model.safetensors': randomBytes(64 * 1024), 'config.json': '{"model_type":"llama"}' });
    await signArtifact(fake, { key: keys.attacker });
    const r = await refusal(p('out', 'adapter'), opts({ with: [fake] }));
    expect(r.code).toBe('LINEAGE_MISMATCH');
    expect(r.message).toContain(`base model "base-7b" (sha256:${digests.base.slice(0, 12)})`);
    expect(r.message).toContain(fake);
    const c = cli(['verify', p('out', 'adapter'), '--policy', p('policy.yaml'), '--attestations', p('attestations'), '--with', fake]);
    expect(c.status).toBe(1);
    expect(c.stderr).toMatch(/\[LINEAGE_MISMATCH\]\n$/);
  });

  it('dataset with one changed record', async () => {
    const changed = p('changed', 'instruct-v3');
    fs.cpSync(p('data', 'instruct-v3'), changed, { recursive: true });
    fs.writeFileSync(path.join(changed, 'train.jsonl'), records.replace('answer 17', 'answer 17 <trigger>'));
    // It stands for the digest its signature claims, and its files fail that signature at its node.
    const r = await refusal(p('out', 'adapter'), opts({ with: [changed] }));
    expect(r.code).toBe('ARTIFACT_MISMATCH');
    expect(r.message).toContain(`dataset "instruct-v3" (sha256:${digests.dataset.slice(0, 12)})`);
    expect(r.message).toContain('changed: "train.jsonl"');
    // Verified on its own, the changed dataset fails its curator signature.
    const own = await refusal(changed, {});
    expect(own.code).toBe('ARTIFACT_MISMATCH');
    expect(own.message).toContain('changed: "train.jsonl"');
  });

  it('adapter attested by an untrusted key', async () => {
    const evil = p('evil', 'adapter');
    fs.cpSync(p('out', 'adapter'), evil, { recursive: true });
    fs.rmSync(path.join(evil, 'provenance.sig'));
    await attestArtifact(evil, { kind: 'lora', key: keys.attacker, bases: [`sha256:${digests.ft}`], builderId: 'https://ci.example.com/trainer' });
    const r = await refusal(evil, opts());
    expect(r.code).toBe('UNTRUSTED_SIGNER');
    expect(r.message).toContain(`"adapter" (sha256:${digests.adapter.slice(0, 12)})`);
    expect(r.failed).toEqual(['adapter']);
    // A trusted signer who is not allowed for the rule is refused as well.
    fs.rmSync(path.join(evil, 'provenance.sig'));
    await attestArtifact(evil, { kind: 'lora', key: keys.curator, bases: [`sha256:${digests.ft}`], builderId: 'https://ci.example.com/trainer' });
    const r2 = await refusal(evil, opts());
    expect(r2.code).toBe('UNTRUSTED_SIGNER');
    expect(r2.message).toContain('signed by "curator", who may not sign or attest it');
  });

  it('provenance whose subject is another artifact', async () => {
    const other = p('other', 'adapter');
    fs.cpSync(p('out', 'adapter'), other, { recursive: true });
    fs.copyFileSync(p('out', 'ft', 'provenance.sig'), path.join(other, 'provenance.sig'));
    const r = await refusal(other, opts());
    expect(r.code).toBe('SUBJECT_MISMATCH');
    expect(r.message).toContain(`its subject is sha256:${digests.ft.slice(0, 12)}, not sha256:${digests.adapter.slice(0, 12)}`);
  });

  it('a dependency missing from the attestation folders', async () => {
    const partial = p('partial-attestations');
    fs.mkdirSync(partial);
    for (const f of ['a3.sig', 'a4.sig']) fs.copyFileSync(p('attestations', f), path.join(partial, f));
    const r = await refusal(p('out', 'adapter'), { attestations: [partial] });
    expect(r.code).toBe('LINEAGE_BROKEN');
    expect(r.message).toContain(`dataset "instruct-v3" (sha256:${digests.dataset.slice(0, 12)}): no signature or provenance found in ${partial}`);
    expect(r.failed).toEqual(expect.arrayContaining(['adapter', 'instruct-v3']));
  });

  it('a cycle', async () => {
    // Two trainer attestations that name each other: possible, since attestations are claims about digests.
    const a = makeArtifact(p('cycle', 'ft'), { 'w.bin': randomBytes(1024) });
    const b = makeArtifact(p('cycle', 'ft-b'), { 'w.bin': randomBytes(1024) });
    const da = (await digestArtifact(a)).rootDigest;
    const db = (await digestArtifact(b)).rootDigest;
    const folder = p('cycle-attestations');
    fs.mkdirSync(folder);
    // Bound by path, so each dependency is named (a digest alone names no rule when the policy has several).
    await attestArtifact(a, { kind: 'finetune', key: keys.trainer, bases: [b], builderId: 'https://ci.example.com/trainer', out: path.join(folder, 'a.sig') });
    await attestArtifact(b, { kind: 'finetune', key: keys.trainer, bases: [a], builderId: 'https://ci.example.com/trainer', out: path.join(folder, 'b.sig') });
    expect((await digestArtifact(a)).rootDigest).toBe(da);
    const r = await refusal(a, { attestations: [folder], lineage: true, name: 'adapter' }, loadPolicyText(`
  - name: adapter
    signers: [trainer]
    lineage: required
    roots: [publisher]
  - name: "**"
    signers: [trainer]`));
    expect(r.code).toBe('LINEAGE_CYCLE');
    expect(r.message).toContain(`sha256:${da.slice(0, 12)} -> sha256:${db.slice(0, 12)} -> sha256:${da.slice(0, 12)}`);
  });

  it('a disallowed kind', async () => {
    const merged = p('kind', 'adapter');
    fs.cpSync(p('out', 'adapter'), merged, { recursive: true });
    fs.rmSync(path.join(merged, 'provenance.sig'));
    await attestArtifact(merged, { kind: 'finetune', key: keys.trainer, bases: [`sha256:${digests.ft}`], builderId: 'https://ci.example.com/trainer' });
    const r = await refusal(merged, opts());
    expect(r.code).toBe('POLICY_DENIED');
    expect(r.message).toContain('kind "finetune" is not allowed by the rule "adapter" (allowed: lora)');
    const c = cli(['verify', merged, '--policy', p('policy.yaml'), '--attestations', p('attestations'), '--json']);
    expect(c.status).toBe(1);
    expect(c.json.error.code).toBe('POLICY_DENIED');
  });

  it('a disallowed builder, an expired provenance and a chain over maxDepth', async () => {
    const strict = loadPolicyText(`
  - name: adapter
    signers: [trainer]
    lineage: required
    roots: [publisher, curator]
    maxAgeDays: 30
  - name: ft
    signers: [trainer]
    builders: [https://other.example/builder]`);
    const r = await refusal(p('out', 'adapter'), opts({ now: new Date() }), strict);
    expect(r.code).toBe('POLICY_DENIED');
    expect(r.message).toContain('lineage node base model "ft"');
    expect(r.message).toContain('builder "https://ci.example.com/trainer" is not allowed');
    const later = await refusal(p('out', 'adapter'), opts({ now: new Date(Date.now() + 40 * 86_400_000) }), strict);
    expect(later.code).toBe('ATTESTATION_EXPIRED');
    const shallow = loadPolicyText(`
  - name: adapter
    signers: [trainer]
    lineage: required
    roots: [publisher, curator]
    maxDepth: 1
  - name: "**"
    signers: [trainer]`);
    const deep = await refusal(p('out', 'adapter'), opts(), shallow);
    expect(deep.code).toBe('LINEAGE_TOO_DEEP');
  });

  it('an artifact given with --with that is not part of the lineage', async () => {
    const unrelated = makeArtifact(p('unrelated', 'tokenizer'), { 'tok.json': '{}' });
    await signArtifact(unrelated, { key: keys.publisher });
    const u = await refusal(p('out', 'adapter'), opts({ with: [unrelated] }));
    expect(u.code).toBe('LINEAGE_MISMATCH');
    expect(u.message).toContain('is not part of the verified lineage of "adapter"');
  });
});

function loadPolicyText(rules: string): Policy {
  const file = p(`policy-${randomBytes(4).toString('hex')}.yaml`);
  fs.writeFileSync(
    file,
    `apiVersion: modelseal.dev/policy/v1
signers:
  publisher: { keys: [keys/publisher.pub] }
  curator: { keys: [keys/curator.pub] }
  trainer: { keys: [keys/trainer.pub] }
artifacts:${rules}
`,
  );
  return loadPolicy(file);
}
