#!/usr/bin/env node
// Throughput of readVerified/openVerified against a plain readFileSync + sha256 of the
// same file. Usage: node scripts/bench-verified-read.js [MiB=512]   (after npm run build)
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const m = require('..');

(async () => {
  const mib = Number(process.argv[2] ?? 512);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelseal-bench-'));
  const model = path.join(dir, 'model');
  fs.mkdirSync(model);
  const file = path.join(model, 'w.bin');
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < mib; i++) fs.writeSync(fd, crypto.randomBytes(1024 * 1024));
  fs.closeSync(fd);
  const pair = m.generateKeyPair('ed25519');
  const key = m.parsePrivateKey(pair.privatePem);
  const gbps = (t0) => (mib / 1024 / (Number(process.hrtime.bigint() - t0) / 1e9)).toFixed(2);
  try {
    for (const method of ['files', 'shards']) {
      const sig = path.join(dir, `${method}.sig`);
      await m.signArtifact(model, { key, signature: sig, method, shardSize: 64 * 1024 * 1024 });
      const verified = await m.verifyArtifact(model, { keys: pair.publicKey, signature: sig });
      for (let i = 0; i < 3; i++) {
        const t0 = process.hrtime.bigint();
        if (method === 'files') await m.readVerified(model, 'w.bin', verified);
        else for await (const _ of m.openVerified(model, 'w.bin', verified)); // eslint-disable-line no-empty
        console.log(`${method === 'files' ? 'readVerified (files)  ' : 'openVerified (shards) '} ${gbps(t0)} GB/s`);
      }
    }
    for (let i = 0; i < 3; i++) {
      const t0 = process.hrtime.bigint();
      crypto.createHash('sha256').update(fs.readFileSync(file)).digest();
      console.log(`readFileSync + sha256  ${gbps(t0)} GB/s`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
})();
