#!/usr/bin/env node
/*
 * `npm run bench`: hashing and start-up speed of the built CLI against references
 * measured in the same run (openssl dgst -sha256 over the same files one after
 * another; `node -e 0` for start-up). Creates its own synthetic data in a temporary
 * folder and removes it afterwards. Prints a table; never asserts a ratio.
 *
 * Sizes (environment variables; BENCH_FULL=1 switches every default to the sizes):
 *   BENCH_MULTI_FILES   files in the multi-file model         (4)
 *   BENCH_MULTI_MIB     size of each of them, MiB             (64;   full 512)
 *   BENCH_BIG_MIB       the one large file, MiB               (256;  full 2048)
 *   BENCH_SHARD_SIZE    shard size for the shards method      (1e8;  full 1e9, model_signing's default)
 *   BENCH_SMALL_FILES   number of small files                 (5000; full 50000)
 *   BENCH_SMALL_KIB     size of each small file, KiB          (4)
 *   BENCH_RUNS          timed runs per command; the best is kept (3)
 *   BENCH_THREADS       pass --threads N to modelseal         (unset: one per core)
 *   BENCH_DIR           parent of the temporary data folder   (os.tmpdir())
 *   BENCH_CASES         comma list of: multi,big,small,startup (all)
 *   BENCH_KEEP=1        keep the data folder
 */
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..');
const BIN = path.join(REPO, 'bin', 'run.js');
const MiB = 1024 * 1024;
const FULL = process.env.BENCH_FULL === '1';

function num(name, quick, full) {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? (FULL ? full : quick) : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return value;
}

const cfg = {
  multiFiles: num('BENCH_MULTI_FILES', 4, 4),
  multiMiB: num('BENCH_MULTI_MIB', 64, 512),
  bigMiB: num('BENCH_BIG_MIB', 256, 2048),
  shardSize: num('BENCH_SHARD_SIZE', 1e8, 1e9),
  smallFiles: num('BENCH_SMALL_FILES', 5000, 50000),
  smallKiB: num('BENCH_SMALL_KIB', 4, 4),
  runs: Math.max(1, num('BENCH_RUNS', 3, 3)),
  threads: process.env.BENCH_THREADS,
  cases: new Set((process.env.BENCH_CASES || 'multi,big,small,startup').split(',').map((s) => s.trim())),
};
const threadArgs = cfg.threads ? ['--threads', cfg.threads] : [];
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

// ---------------------------------------------------------------- data

/** Writes `bytes` of random data (random, so nothing below can shortcut on content). */
function writeRandom(file, bytes) {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.allocUnsafe(Math.min(4 * MiB, Math.max(bytes, 1)));
  try {
    for (let done = 0; done < bytes; ) {
      const n = Math.min(chunk.length, bytes - done);
      crypto.randomFillSync(chunk, 0, n);
      fs.writeSync(fd, chunk, 0, n);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

function makeData(base) {
  const data = { multi: path.join(base, 'multi'), big: path.join(base, 'big.bin'), small: path.join(base, 'small') };
  if (cfg.cases.has('multi')) {
    fs.mkdirSync(data.multi);
    for (let i = 1; i <= cfg.multiFiles; i++) {
      writeRandom(path.join(data.multi, `model-${String(i).padStart(5, '0')}-of-${String(cfg.multiFiles).padStart(5, '0')}.safetensors`), cfg.multiMiB * MiB);
    }
  }
  if (cfg.cases.has('big')) writeRandom(data.big, cfg.bigMiB * MiB);
  if (cfg.cases.has('small')) {
    fs.mkdirSync(data.small);
    const size = cfg.smallKiB * 1024;
    const buf = crypto.randomBytes(size * 64);
    for (let i = 0; i < cfg.smallFiles; i++) {
      const dir = path.join(data.small, `part-${Math.floor(i / 1000)}`);
      if (i % 1000 === 0) fs.mkdirSync(dir);
      // Distinct contents without generating randomness for every file.
      const content = Buffer.from(buf.subarray((i % 64) * size, (i % 64) * size + size));
      content.writeUInt32LE(i, 0);
      fs.writeFileSync(path.join(dir, `sample-${i}.bin`), content);
    }
  }
  return data;
}

function filesUnder(p) {
  if (fs.statSync(p).isFile()) return [p];
  const out = [];
  const pending = [p];
  while (pending.length) {
    const dir = pending.pop();
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const q = path.join(dir, e.name);
      if (e.isDirectory()) pending.push(q);
      else if (e.isFile()) out.push(q);
    }
  }
  return out.sort();
}

/** Reads every file once so that every timed run starts from a warm page cache. */
function warm(files) {
  const buf = Buffer.allocUnsafe(4 * MiB);
  for (const f of files) {
    const fd = fs.openSync(f, 'r');
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
    fs.closeSync(fd);
  }
}

// ---------------------------------------------------------------- measuring

/**
 * Runs a command and returns its wall time (s) and peak RSS (KiB). Peak RSS is the
 * child's own maximum resident set (getrusage of the waited child, via /usr/bin/time
 * -f %M), so it counts the worker threads of a modelseal process (they share it).
 * CPU seconds (user + system, all threads) help read results from a busy machine,
 * where wall time also measures the wait for a core.
 */
function measure(cmd, args, options = {}) {
  const rssFile = path.join(os.tmpdir(), `modelseal-bench-rss-${process.pid}`);
  const argv = TIME ? ['-f', '%M %U %S', '-o', rssFile, cmd, ...args] : args;
  const start = process.hrtime.bigint();
  const r = spawnSync(TIME ?? cmd, argv, { encoding: 'utf8', maxBuffer: 512 * MiB, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ').slice(0, 200)} failed (status ${r.status}): ${(r.stderr || '').slice(0, 500)}`);
  }
  let rssKiB = NaN;
  let cpu = NaN;
  if (TIME) {
    const [rss, user, sys] = fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    rssKiB = rss;
    cpu = user + sys;
    fs.rmSync(rssFile, { force: true });
  }
  return { seconds, rssKiB, cpu, stdout: r.stdout };
}

/** Best (lowest) time over the runs, highest peak RSS over the runs. */
function best(runs, fn) {
  let result;
  for (let i = 0; i < runs; i++) {
    const r = fn();
    if (!result) result = { ...r };
    else {
      if (r.seconds < result.seconds) result.seconds = r.seconds;
      if (r.cpu < result.cpu) result.cpu = r.cpu;
      result.rssKiB = Math.max(result.rssKiB, r.rssKiB);
    }
  }
  return result;
}

const modelseal = (...args) => measure(process.execPath, [BIN, ...args]);

function opensslOver(files) {
  // Through xargs: 50,000 paths do not fit on one command line. One openssl process
  // per argument batch, files one after another, like `openssl dgst -sha256 f1 f2 ...`.
  const list = files.join('\0');
  return measure('sh', ['-c', 'xargs -0 openssl dgst -sha256'], { input: list, stdio: ['pipe', 'pipe', 'pipe'] });
}

function opensslDigests(stdout) {
  const out = new Map();
  for (const line of stdout.split('\n')) {
    const m = /^SHA2?-?256\((.*)\)= ([0-9a-f]{64})$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

// ---------------------------------------------------------------- table

const rows = [];
function row(caseName, tool, r, bytes, ref, extra = {}) {
  rows.push({
    case: caseName,
    tool,
    seconds: r.seconds,
    cpuSeconds: r.cpu,
    throughput: bytes ? bytes / r.seconds / 1e9 : undefined,
    filesPerSecond: extra.files ? extra.files / r.seconds : undefined,
    ratio: ref ? r.seconds / ref.seconds : undefined,
    rssMiB: r.rssKiB / 1024,
  });
}

function printTable() {
  const head = ['case', 'command', 'time s', 'CPU s', 'GB/s', 'files/s', 'ratio vs ref', 'peak RSS MiB'];
  const body = rows.map((r) => [
    r.case,
    r.tool,
    r.seconds.toFixed(3),
    Number.isNaN(r.cpuSeconds) ? 'n/a' : r.cpuSeconds.toFixed(2),
    r.throughput === undefined ? '' : r.throughput.toFixed(2),
    r.filesPerSecond === undefined ? '' : Math.round(r.filesPerSecond).toString(),
    r.ratio === undefined ? 'ref' : r.ratio.toFixed(2),
    Number.isNaN(r.rssMiB) ? 'n/a' : r.rssMiB.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${body.map(line).join('\n')}\n`);
}

// ---------------------------------------------------------------- cases

function checkSame(manifestJson, reference, nameOf) {
  const m = JSON.parse(manifestJson);
  for (const r of m.resources) {
    const want = reference.get(nameOf(r.name));
    if (want !== r.digest) throw new Error(`digest of ${r.name} differs from openssl's (${r.digest} vs ${want})`);
  }
}

function main() {
  if (!fs.existsSync(path.join(REPO, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
  const base = fs.mkdtempSync(path.join(process.env.BENCH_DIR || os.tmpdir(), 'modelseal-bench-'));
  const cleanup = () => process.env.BENCH_KEEP === '1' || fs.rmSync(base, { recursive: true, force: true });
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const cpus = os.availableParallelism();
    process.stdout.write(
      `modelseal bench (${FULL ? 'full' : 'quick'}): ${cpus} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`,
    );
    process.stdout.write(`data in ${base}; best of ${cfg.runs} runs; ratio = time / reference time in the same run\n`);
    const t0 = Date.now();
    const data = makeData(base);
    const key = path.join(base, 'bench');
    modelseal('keygen', '--out', key);
    const sig = (name) => path.join(base, `${name}.sig`);
    process.stdout.write(`data ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n\n`);

    const hashCase = (name, target, files, variants, countFiles = false) => {
      const extra = countFiles ? { files: files.length } : {};
      warm(files);
      const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
      const ref = best(cfg.runs, () => opensslOver(files));
      const refDigests = opensslDigests(ref.stdout);
      row(name, `openssl dgst -sha256 (sequential)`, ref, bytes, undefined, extra);
      for (const v of variants) {
        const flags = [...v.flags, ...threadArgs];
        const check = modelseal('digest', target, '--json', ...flags);
        if (v.compare) checkSame(check.stdout, refDigests, (n) => (n === '.' ? target : path.join(target, n)));
        const r = best(cfg.runs, () => modelseal('digest', target, ...flags));
        row(name, `modelseal digest ${v.label}`, r, bytes, ref, extra);
        modelseal('sign', target, '--key', `${key}.key`, '--signature', sig(`${name}-${v.label}`), ...flags);
        const vr = best(cfg.runs, () => modelseal('verify', target, '--key', `${key}.pub`, '--signature', sig(`${name}-${v.label}`), ...threadArgs));
        row(name, `modelseal verify (${v.label} signature)`, vr, bytes, ref, extra);
      }
    };

    if (cfg.cases.has('multi')) {
      hashCase(`${cfg.multiFiles} x ${cfg.multiMiB} MiB`, data.multi, filesUnder(data.multi), [
        { label: 'files', flags: [], compare: true },
        { label: 'files blake3', flags: ['--hash', 'blake3'] },
      ]);
    }
    if (cfg.cases.has('big')) {
      hashCase(`1 x ${cfg.bigMiB} MiB`, data.big, [data.big], [
        { label: 'files', flags: ['--method', 'files'], compare: true },
        { label: 'shards', flags: ['--method', 'shards', '--shard-size', String(cfg.shardSize)] },
        { label: 'files blake3', flags: ['--method', 'files', '--hash', 'blake3'] },
      ]);
    }
    if (cfg.cases.has('small')) {
      hashCase(`${cfg.smallFiles} x ${cfg.smallKiB} KiB`, data.small, filesUnder(data.small), [{ label: 'files', flags: [], compare: true }], true);
    }
    if (cfg.cases.has('startup')) {
      const runs = Math.max(cfg.runs, 10);
      const ref = best(runs, () => measure(process.execPath, ['-e', '0']));
      row('start-up', 'node -e 0', ref);
      row('start-up', 'modelseal --version', best(runs, () => modelseal('--version')), undefined, ref);
    }
    process.stdout.write('\n');
    printTable();
    process.stdout.write(`\nload after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; total ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify({ config: cfg, cpus, rows }, (k, v) => (v instanceof Set ? [...v] : v), 2));
  } finally {
    cleanup();
  }
}

try {
  main();
} catch (err) {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exitCode = 1;
}
