import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { attestArtifact, digestArtifact, loadPrivateKey, signArtifact } from '../../src';
import { loadPolicy, type Policy } from '../../src/policy';
import { writeKeyPair } from '../../src/keys/write';
import { writeTree } from './tmp';

export type ChainKeys = Record<'publisher' | 'curator' | 'trainer' | 'attacker', ReturnType<typeof loadPrivateKey>>;

export interface LineageChain {
  root: string;
  p: (...parts: string[]) => string;
  keys: ChainKeys;
  policy: Policy;
  /** Root digests computed from the files: dataset, base, ft, adapter. */
  digests: Record<'dataset' | 'base' | 'ft' | 'adapter', string>;
  /** The dataset's train.jsonl content. */
  records: string;
}

export function makeArtifact(dir: string, files: Record<string, string | Buffer>): string {
  fs.mkdirSync(dir, { recursive: true });
  return writeTree(dir, files);
}

/**
 * The acceptance chain of issue 5 on generated files, under `root`:
 *   dataset (signed + attested by curator) ──┐
 *   base model (signed by publisher) ────────┴─> fine-tune (attested by trainer) ─> LoRA adapter (attested by trainer)
 * with the deployer's flat attestation folder `attestations/` and `policy.yaml`.
 */
export async function buildLineageChain(root: string): Promise<LineageChain> {
  const p = (...parts: string[]) => path.join(root, ...parts);
  const records = Array.from({ length: 50 }, (_, i) => JSON.stringify({ prompt: `question ${i}`, answer: `answer ${i}` })).join('\n') + '\n';
  fs.mkdirSync(p('keys'), { recursive: true });
  const keys = {} as ChainKeys;
  for (const who of ['publisher', 'curator', 'trainer', 'attacker'] as const) {
    writeKeyPair(p('keys', who), who === 'publisher' ? 'ecdsa-p256' : 'ed25519');
    keys[who] = loadPrivateKey(p('keys', `${who}.key`));
  }
  makeArtifact(p('data', 'instruct-v3'), { 'train.jsonl': records, 'README.md': '# instruct v3\n' });
  makeArtifact(p('models', 'base-7b'), { 'model.safetensors': randomBytes(64 * 1024), 'config.json': '{"model_type":"llama"}' });
  makeArtifact(p('out', 'ft'), { 'model.safetensors': randomBytes(32 * 1024), 'config.json': '{"model_type":"llama"}' });
  makeArtifact(p('out', 'adapter'), { 'adapter_model.safetensors': randomBytes(8 * 1024), 'adapter_config.json': JSON.stringify({ base_model_name_or_path: 'acme/ft', peft_type: 'LORA', r: 8 }) });

  const src = `https://example.org/dump.tar@sha256:${'ab'.repeat(32)}`;
  await signArtifact(p('data', 'instruct-v3'), { key: keys.curator });
  await attestArtifact(p('data', 'instruct-v3'), { kind: 'dataset', key: keys.curator, sources: [src], license: 'CC-BY-4.0', notes: 'collected 2026-10' });
  await signArtifact(p('models', 'base-7b'), { key: keys.publisher });
  await attestArtifact(p('out', 'ft'), { kind: 'finetune', key: keys.trainer, bases: [p('models', 'base-7b')], datasets: [p('data', 'instruct-v3')], builderId: 'https://ci.example.com/trainer', parameters: { lr: '2e-4', epochs: '3' } });
  await attestArtifact(p('out', 'adapter'), { kind: 'lora', key: keys.trainer, bases: [p('out', 'ft')], datasets: [p('data', 'instruct-v3')], builderId: 'https://ci.example.com/trainer', parameters: { r: '8' } });

  // The deployer's attestation folder: every bundle, flat, names do not matter.
  fs.mkdirSync(p('attestations'));
  const copies: Record<string, string> = {
    'a1.sig': p('data', 'instruct-v3', 'model.sig'),
    'a2.sig': p('data', 'instruct-v3', 'provenance.sig'),
    'a3.sig': p('models', 'base-7b', 'model.sig'),
    'a4.sig': p('out', 'ft', 'provenance.sig'),
  };
  for (const [name, from] of Object.entries(copies)) fs.copyFileSync(from, p('attestations', name));

  const digests = {} as LineageChain['digests'];
  for (const [k, dir] of Object.entries({ dataset: p('data', 'instruct-v3'), base: p('models', 'base-7b'), ft: p('out', 'ft'), adapter: p('out', 'adapter') })) {
    digests[k as keyof LineageChain['digests']] = (await digestArtifact(dir)).rootDigest;
  }

  fs.writeFileSync(
    p('policy.yaml'),
    `apiVersion: modelseal.dev/policy/v1
signers:
  publisher: { keys: [keys/publisher.pub] }
  curator: { keys: [keys/curator.pub] }
  trainer: { keys: [keys/trainer.pub] }
artifacts:
  - name: adapter
    signers: [trainer]
    kinds: [lora]
    builders: [https://ci.example.com/trainer]
    lineage: required
    roots: [publisher, curator]
    maxDepth: 4
  - name: ft
    signers: [trainer]
    kinds: [finetune]
    builders: [https://ci.example.com/trainer]
  - name: "**"
    signers: [publisher, curator]
`,
  );
  return { root, p, keys, policy: loadPolicy(p('policy.yaml')), digests, records };
}
