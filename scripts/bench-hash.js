#!/usr/bin/env node
/*
 * Per-core hash throughput of the algorithms the engine offers (sha256, blake2b, blake3),
 * through src/digest/algorithms.ts as built in dist/: 1 MiB updates over random data in
 * memory, one thread. Reports the best of BENCH_RUNS (5) runs of BENCH_MIB (1024) MiB, by
 * wall time and by this thread's CPU time (CPU time stays readable on a busy machine).
 */
'use strict';
const crypto = require('node:crypto');
const path = require('node:path');
const { createHasher } = require(path.join(__dirname, '..', 'dist', 'digest', 'algorithms'));

const MiB = 1 << 20;
const total = Number(process.env.BENCH_MIB || 1024);
const runs = Number(process.env.BENCH_RUNS || 5);
const buf = crypto.randomBytes(MiB);
const rows = [];
for (const alg of ['sha256', 'blake2b', 'blake3']) {
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const h = createHasher(alg);
    for (let i = 0; i < total; i++) h.update(buf);
    h.digest();
    wall = Math.min(wall, Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1e6);
  }
  rows.push({ alg, wall: (total * MiB) / wall / 1e9, cpu: (total * MiB) / cpu / 1e9 });
}
const base = rows[0];
process.stdout.write(`algorithm  GB/s (wall)  GB/s (CPU)  vs sha256 (CPU)\n`);
for (const r of rows) process.stdout.write(`${r.alg.padEnd(9)}  ${r.wall.toFixed(2).padStart(11)}  ${r.cpu.toFixed(2).padStart(10)}  ${(r.cpu / base.cpu).toFixed(2).padStart(15)}\n`);
process.stdout.write(`node ${process.version}, load ${require('node:os').loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
