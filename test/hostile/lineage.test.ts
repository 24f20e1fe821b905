/**
 * Hostile lineages: provenance written and signed by a trusted but compromised (or buggy)
 * builder, each refused with its exact code and exit status, or, for a wide graph,
 * verified without walking every path. Provenances are real signatures over crafted
 * statements, so the checks past the signature are what is exercised.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { digestArtifact, signArtifact } from '../../src';
import { evaluateLineage, type LineageOptions } from '../../src/lineage';
import { loadPolicy, type Policy } from '../../src/policy';
import { buildProvenanceStatement, type BuildKind, type Dependency } from '../../src/statement/provenance';
import type { PrivateKeyInfo } from '../../src/keys/key-types';
import { bundleObject, cliOnTree, expectCliRefusal, hostile } from '../helpers/hostile';
import { buildLineageChain, makeArtifact, type LineageChain } from '../helpers/lineage-chain';
import { tmpDir } from '../helpers/tmp';

let chain: LineageChain;
let policy: Policy;
let policyFile: string;

beforeAll(async () => {
  chain = await buildLineageChain(tmpDir('modelseal-hostile-lineage-'));
  policyFile = chain.p('hostile-policy.yaml');
  fs.writeFileSync(
    policyFile,
    `apiVersion: modelseal.dev/policy/v1
signers:
  publisher: { keys: [keys/publisher.pub] }
  curator: { keys: [keys/curator.pub] }
  trainer: { keys: [keys/trainer.pub] }
artifacts:
  - { name: "top/**", signers: [trainer], lineage: required, roots: [publisher, curator] }
  - { name: "wide/**", signers: [trainer], lineage: required, roots: [publisher, curator], maxDepth: 64 }
  - { name: "**", signers: [trainer] }
`,
  );
  policy = loadPolicy(policyFile);
});

const hex = () => randomBytes(32).toString('hex');
const dep = (role: 'base_model' | 'dataset', sha256: string, name?: string): Dependency => ({ role, sha256, ...(name ? { name } : {}) });

/** A real signature by `key` over a provenance statement for `digest`, written to `file`. */
function writeProvenance(file: string, key: PrivateKeyInfo, subjectName: string, digest: string, kind: BuildKind, dependencies: Dependency[], edit?: (statement: any) => void): void {
  const statement: any = JSON.parse(JSON.stringify(buildProvenanceStatement({ subjectName, rootDigest: digest, kind, dependencies, builderId: 'https://ci.example.com/trainer' })));
  edit?.(statement);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(bundleObject(statement, key)));
}

/** A real artifact folder under `top/<name>` with the trainer's crafted provenance beside it. */
async function topArtifact(name: string, kind: BuildKind, deps: (self: string) => Dependency[], edit?: (statement: any) => void): Promise<string> {
  const dir = makeArtifact(chain.p('hostile', name), { 'model.safetensors': randomBytes(2048), 'config.json': `{"name":"${name}"}` });
  const digest = (await digestArtifact(dir)).rootDigest;
  // Its files are at hand, so a signature must name them (a provenance binds only the root digest).
  await signArtifact(dir, { key: chain.keys.trainer });
  writeProvenance(path.join(dir, 'provenance.sig'), chain.keys.trainer, `top/${name}`, digest, kind, deps(digest), edit);
  return dir;
}

async function refusal(dir: string, options: LineageOptions): Promise<{ code: string; exit: number; message: string; nodes: number }> {
  const r = await evaluateLineage(dir, policy, options);
  expect(r.ok).toBe(false);
  return { code: r.error!.code, exit: r.error!.exitCode, message: r.error!.message, nodes: r.graph.nodes.length };
}

hostile('L-01', 'self-reference: a provenance naming its own digest as its base is a cycle', async () => {
  const dir = await topArtifact('self', 'finetune', (self) => [dep('base_model', self, 'base-7b')]);
  const r = cliOnTree(dir, ['verify', dir, '--policy', policyFile, '--name', 'top/self', '--attestations', chain.p('attestations')]);
  expectCliRefusal(r, 'LINEAGE_CYCLE', 1);
  const lib = await refusal(dir, { name: 'top/self', attestations: [chain.p('attestations')] });
  expect(lib).toMatchObject({ code: 'LINEAGE_CYCLE', exit: 1 });
});

hostile('L-02', 'a depth bomb: a 200-link chain is refused at the default maxDepth without walking it all', async () => {
  const folder = chain.p('hostile', 'deep-attestations');
  const links = Array.from({ length: 200 }, hex);
  for (let i = 0; i < links.length; i++) {
    const last = i === links.length - 1;
    writeProvenance(path.join(folder, `${i}.sig`), last ? chain.keys.publisher : chain.keys.trainer, `deep/${i}`, links[i], last ? 'train' : 'finetune', last ? [] : [dep('base_model', links[i + 1], `deep/${i + 1}`)]);
  }
  const dir = await topArtifact('deep', 'finetune', () => [dep('base_model', links[0], 'deep/0')]);
  const r = await refusal(dir, { name: 'top/deep', attestations: [folder] });
  expect(r).toMatchObject({ code: 'LINEAGE_TOO_DEEP', exit: 1 });
  expect(r.message).toContain("past the policy's maxDepth 16");
  expect(r.nodes).toBeLessThanOrEqual(17);
});

hostile('L-03', 'a wide fan-out (30 levels, every node depending on both nodes below: 2^30 paths) verifies each node once', async () => {
  const folder = chain.p('hostile', 'wide-attestations');
  const levels = Array.from({ length: 30 }, () => [hex(), hex()]);
  levels.forEach((pair, i) =>
    pair.forEach((d, j) => {
      const bottom = i === levels.length - 1;
      // A train provenance binds its dataset (per-kind inputs are checked when verifying); roots end the walk there.
      const below = bottom ? [dep('dataset', hex(), 'wide/data')] : levels[i + 1].map((x, k) => dep('base_model', x, `wide/${i + 1}/${k}`));
      writeProvenance(path.join(folder, `${i}-${j}.sig`), bottom ? chain.keys.publisher : chain.keys.trainer, `wide/${i}/${j}`, d, bottom ? 'train' : 'merge', below);
    }),
  );
  const dir = await topArtifact('wide', 'merge', () => levels[0].map((d, k) => dep('base_model', d, `wide/0/${k}`)));
  const r = await evaluateLineage(dir, policy, { name: 'wide/top', attestations: [folder] });
  expect(r.error?.message).toBeUndefined();
  expect(r.ok).toBe(true);
  expect(r.graph.nodes).toHaveLength(61);
  expect(r.graph.nodes.filter((x) => x.trustedRoot)).toHaveLength(2);
}, 60_000);

hostile('L-04', 'dependency confusion: a dataset (attested as kind dataset) bound as the base model is refused', async () => {
  const dir = await topArtifact('confused', 'finetune', () => [dep('base_model', chain.digests.dataset, 'base-7b')]);
  const r = await refusal(dir, { name: 'top/confused', attestations: [chain.p('attestations')] });
  expect(r).toMatchObject({ code: 'LINEAGE_MISMATCH', exit: 1 });
  expect(r.message).toContain('is bound as a base model, but its own provenance attests it as kind "dataset"');
});

hostile('L-05', 'dependency confusion: a fine-tuned model (attested as kind finetune) bound as a dataset is refused', async () => {
  const dir = await topArtifact('model-as-data', 'finetune', () => [dep('base_model', chain.digests.base, 'base-7b'), dep('dataset', chain.digests.ft, 'instruct-v3')]);
  const r = await refusal(dir, { name: 'top/model-as-data', attestations: [chain.p('attestations')] });
  expect(r).toMatchObject({ code: 'LINEAGE_MISMATCH', exit: 1 });
  expect(r.message).toContain('is bound as a dataset, but its own provenance attests it as kind "finetune"');
});

hostile('L-06', 'one digest bound both as a base model and as a dataset is refused', async () => {
  const dir = await topArtifact('both-roles', 'finetune', () => [dep('base_model', chain.digests.base, 'base-7b'), dep('dataset', chain.digests.base, 'instruct-v3')]);
  const r = await refusal(dir, { name: 'top/both-roles', attestations: [chain.p('attestations')] });
  expect(r).toMatchObject({ code: 'LINEAGE_MISMATCH', exit: 1 });
  expect(r.message).toContain('one digest cannot be both');
});

hostile('L-07', 'an unknown buildType is refused: its dependencies cannot be interpreted', async () => {
  const dir = await topArtifact('unknown-build', 'finetune', () => [dep('base_model', chain.digests.base, 'base-7b')], (s) => {
    s.predicate.buildDefinition.buildType = 'https://evil.example/buildtypes/run-script/v1';
  });
  const r = await refusal(dir, { name: 'top/unknown-build', attestations: [chain.p('attestations')] });
  expect(r).toMatchObject({ code: 'STATEMENT_INVALID', exit: 1 });
  expect(r.message).toContain('is not a modelseal buildType');
});

hostile('L-08', 'a malformed buildType (a number) is refused', async () => {
  const dir = await topArtifact('number-build', 'finetune', () => [dep('base_model', chain.digests.base, 'base-7b')], (s) => {
    s.predicate.buildDefinition.buildType = 42;
  });
  const r = await refusal(dir, { name: 'top/number-build', attestations: [chain.p('attestations')] });
  expect(r).toMatchObject({ code: 'STATEMENT_INVALID', exit: 1 });
  expect(r.message).toContain('buildType is missing');
});

hostile('L-09', 'a dependency with an unknown role (not followed, so not checked) is refused', async () => {
  const dir = await topArtifact('plugin-role', 'finetune', () => [dep('base_model', chain.digests.base, 'base-7b')], (s) => {
    s.predicate.buildDefinition.resolvedDependencies.push({ name: 'loader', digest: { sha256: hex() }, annotations: { role: 'plugin' } });
  });
  const r = await refusal(dir, { name: 'top/plugin-role', attestations: [chain.p('attestations')] });
  expect(r).toMatchObject({ code: 'STATEMENT_INVALID', exit: 1 });
  expect(r.message).toContain('unknown role "plugin"');
});
