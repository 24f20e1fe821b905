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
 *   BENCH_DATASET_DIRS  folders of the dataset case           (20;   full 1281: ImageNet's shape)
 *   BENCH_DATASET_FILES files per folder, 64 B each           (1000)
 *   BENCH_SPARSE_GIB    the sparse file of the sparse case    (1;    full 12), hashed in shards
 *   BENCH_CASES         comma list of: multi,big,small,dataset,sparse,startup (all)
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
  datasetDirs: num('BENCH_DATASET_DIRS', 20, 1281),
  datasetFiles: num('BENCH_DATASET_FILES', 1000, 1000),
  sparseGiB: num('BENCH_SPARSE_GIB', 1, 12),
  cases: new Set((process.env.BENCH_CASES || 'multi,big,small,dataset,sparse,startup').split(',').map((s) => s.trim())),
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
  data.dataset = path.join(base, 'dataset');
  if (cfg.cases.has('dataset')) {
    // ImageNet-shaped: folders of 64-byte files (the per-file cost, not the bytes, is measured).
    fs.mkdirSync(data.dataset);
    const content = Buffer.alloc(64, 0x61);
    for (let d = 0; d < cfg.datasetDirs; d++) {
      const dir = path.join(data.dataset, `n${String(d).padStart(8, '0')}`);
      fs.mkdirSync(dir);
      for (let i = 0; i < cfg.datasetFiles; i++) {
        content.writeUInt32LE(d * cfg.datasetFiles + i, 0);
        fs.writeFileSync(path.join(dir, `${String(i).padStart(6, '0')}.JPEG`), content);
      }
    }
  }
  data.sparse = path.join(base, 'sparse.bin');
  if (cfg.cases.has('sparse')) {
    const fd = fs.openSync(data.sparse, 'w');
    fs.ftruncateSync(fd, cfg.sparseGiB * 2 ** 30); // holes: read as zeros, no disk
    fs.closeSync(fd);
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
  const ratio = ref ? r.seconds / ref.seconds : undefined;
  const filesPerSecond = extra.files ? extra.files / r.seconds : undefined;
  // A goal is printed beside the figure it is about and whether this run met it; never asserted.
  let goal = '';
  if (extra.goal) {
    const g = extra.goal;
    const value = g.of === 'ratio' ? ratio : g.of === 'files/s' ? filesPerSecond : g.of === 'rss' ? r.rssKiB / 1024 : g.of === 'cpu ratio' ? r.cpu / g.ref : undefined;
    const met = value === undefined || Number.isNaN(value) ? '?' : (g.max !== undefined ? value <= g.max : value >= g.min) ? 'met' : 'MISSED';
    goal = `${g.of} ${g.max !== undefined ? '<=' : '>='} ${g.max ?? g.min}: ${value === undefined ? '?' : value.toFixed(g.of === 'files/s' || g.of === 'rss' ? 0 : 2)} ${met}`;
  }
  rows.push({
    goal,
    case: caseName,
    tool,
    seconds: r.seconds,
    cpuSeconds: r.cpu,
    throughput: bytes ? bytes / r.seconds / 1e9 : undefined,
    filesPerSecond,
    ratio,
    rssMiB: r.rssKiB / 1024,
  });
}

function printTable() {
  const head = ['case', 'command', 'time s', 'CPU s', 'GB/s', 'files/s', 'ratio vs ref', 'peak RSS MiB', 'goal (issue 16)'];
  const body = rows.map((r) => [
    r.case,
    r.tool,
    r.seconds.toFixed(3),
    Number.isNaN(r.cpuSeconds) ? 'n/a' : r.cpuSeconds.toFixed(2),
    r.throughput === undefined ? '' : r.throughput.toFixed(2),
    r.filesPerSecond === undefined ? '' : Math.round(r.filesPerSecond).toString(),
    r.ratio === undefined ? 'ref' : r.ratio.toFixed(2),
    Number.isNaN(r.rssMiB) ? 'n/a' : r.rssMiB.toFixed(0),
    r.goal,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
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
        row(name, `modelseal digest ${v.label}`, r, bytes, ref, { ...extra, ...(v.goal ? { goal: { of: 'ratio', max: v.goal } } : {}) });
        modelseal('sign', target, '--key', `${key}.key`, '--signature', sig(`${name}-${v.label}`), ...flags);
        const vr = best(cfg.runs, () => modelseal('verify', target, '--key', `${key}.pub`, '--signature', sig(`${name}-${v.label}`), ...threadArgs));
        row(name, `modelseal verify (${v.label} signature)`, vr, bytes, ref, { ...extra, goal: { of: 'cpu ratio', max: 1.05, ref: r.cpu } });
      }
    };

    if (cfg.cases.has('multi')) {
      hashCase(`${cfg.multiFiles} x ${cfg.multiMiB} MiB`, data.multi, filesUnder(data.multi), [
        { label: 'files', flags: [], compare: true, goal: 0.55 },
        { label: 'files blake3', flags: ['--hash', 'blake3'] },
      ]);
    }
    if (cfg.cases.has('big')) {
      hashCase(`1 x ${cfg.bigMiB} MiB`, data.big, [data.big], [
        { label: 'files', flags: ['--method', 'files'], compare: true, goal: 0.85 },
        { label: 'shards', flags: ['--method', 'shards', '--shard-size', String(cfg.shardSize)], goal: 0.55 },
        { label: 'files blake3', flags: ['--method', 'files', '--hash', 'blake3'] },
      ]);
    }
    if (cfg.cases.has('small')) {
      hashCase(`${cfg.smallFiles} x ${cfg.smallKiB} KiB`, data.small, filesUnder(data.small), [{ label: 'files', flags: [], compare: true }], true);
    }
    if (cfg.cases.has('dataset')) {
      // Sign and verify of many tiny files: files per second and peak memory (1.28 M files with BENCH_FULL=1).
      const name = `${cfg.datasetDirs * cfg.datasetFiles} x 64 B`;
      const files = cfg.datasetDirs * cfg.datasetFiles;
      const env = { ...process.env, MODELSEAL_MAX_RESOURCES: String(Math.max(files, 1_500_000)) };
      const run = (...args) => measure(process.execPath, [BIN, ...args], { env });
      const goals = (r) => [{ of: 'files/s', min: 50000 }, { of: 'rss', max: 512 }];
      const s1 = best(1, () => run('sign', data.dataset, '--key', `${key}.key`, '--signature', sig('dataset'), '--force', ...threadArgs));
      for (const g of goals()) row(name, `modelseal sign`, s1, undefined, undefined, { files, goal: g });
      const v1 = best(1, () => run('verify', data.dataset, '--key', `${key}.pub`, '--signature', sig('dataset'), ...threadArgs));
      for (const g of goals()) row(name, `modelseal verify`, v1, undefined, undefined, { files, goal: g });
      process.stdout.write(`dataset signature: ${fs.statSync(sig('dataset')).size} bytes for ${files} files\n`);
    }
    if (cfg.cases.has('sparse')) {
      const name = `1 x ${cfg.sparseGiB} GiB sparse`;
      const bytes = cfg.sparseGiB * 2 ** 30;
      const ref = best(1, () => opensslOver([data.sparse]));
      row(name, 'openssl dgst -sha256 (sequential)', ref, bytes);
      const flags = ['--method', 'shards', '--shard-size', String(cfg.shardSize), ...threadArgs];
      row(name, 'modelseal digest shards', best(1, () => modelseal('digest', data.sparse, ...flags)), bytes, ref, { goal: { of: 'ratio', max: 0.55 } });
      modelseal('sign', data.sparse, '--key', `${key}.key`, '--signature', sig('sparse'), ...flags);
      row(name, 'modelseal verify (shards signature)', best(1, () => modelseal('verify', data.sparse, '--key', `${key}.pub`, '--signature', sig('sparse'), ...threadArgs)), bytes, ref);
    }
    if (cfg.cases.has('startup')) {
      const runs = Math.max(cfg.runs, 10);
      const one = path.join(base, 'one-file.bin');
      fs.writeFileSync(one, 'weights');
      modelseal('sign', one, '--key', `${key}.key`);
      // Interleaved, so that both see the same machine load; the best of each is kept.
      const refs = [];
      const versions = [];
      const verifies = [];
      for (let i = 0; i < runs; i++) {
        refs.push(measure(process.execPath, ['-e', '0']));
        versions.push(modelseal('--version'));
        verifies.push(modelseal('verify', one, '--key', `${key}.pub`));
      }
      const pick = (list) => best(list.length, (() => { let i = 0; return () => list[i++]; })());
      const ref = pick(refs);
      row('start-up', 'node -e 0', ref);
      row('start-up', 'modelseal --version', pick(versions), undefined, ref, { goal: { of: 'ratio', max: 1.5 } });
      row('start-up', 'modelseal verify --key (one file)', pick(verifies), undefined, ref, { goal: { of: 'ratio', max: 2 } });
      row('start-up', 'modelseal verify --key (one file)', pick(verifies), undefined, ref, { goal: { of: 'cpu ratio', max: 2, ref: ref.cpu } });
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
