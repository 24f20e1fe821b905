#!/usr/bin/env node
// Bundles the hot commands (verify, sign, digest: src/cli/hot-run.ts) with oclif into
// dist/bundle/cli.js, and the hashing and walking threads beside it (hash-worker.js,
// walk-worker.js), from the compiled dist/ (run by `npm run build` after tsc and the
// oclif manifest). One file instead of ~300 modules is most of modelseal's start-up
// time (issue 16). bin/run.js uses the bundle only while it is newer than the files it
// was made from.
// Without esbuild (a development dependency) nothing is bundled and bin/run.js loads dist/.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outdir = path.join(root, 'dist', 'bundle');

// Loaded where needed, from node_modules: native addons, and packages that only some
// commands or options use (Sigstore, policies, COSE, PKCS#11, OAuth, runtimes).
const EXTERNAL = [
  '@napi-rs/blake-hash',
  'pkcs11js',
  'cbor-x',
  'cbor-extract',
  'onnxruntime-node',
  '@huggingface/transformers',
  'sigstore',
  '@sigstore/*',
  'ajv',
  'yaml',
  'openid-client',
  'proper-lockfile',
  'typescript',
];

function main() {
  fs.rmSync(outdir, { recursive: true, force: true });
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    process.stdout.write('bundle: esbuild is not installed; the CLI runs from dist/ unbundled\n');
    return;
  }
  const result = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: { cli: 'dist/cli/hot-run.js', 'hash-worker': 'dist/digest/hash-worker.js', 'walk-worker': 'dist/digest/walk-worker.js' },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20.19',
    external: EXTERNAL,
    alias: { debug: './scripts/bundle/debug.js' },
    // oclif names commands and errors by their class; stack traces (--debug) stay readable.
    keepNames: true,
    legalComments: 'none',
    logLevel: 'error',
    metafile: true,
    // A smaller file is read and its code cache checked faster; names are kept (above).
    minify: true,
  });
  const out = Object.entries(result.metafile.outputs).map(([f, o]) => `${path.basename(f)} ${(o.bytes / 1024).toFixed(0)} KiB`);
  process.stdout.write(`bundle: wrote ${path.relative(process.cwd(), outdir)} (${out.join(', ')})\n`);
  warmCodeCaches();
}

/**
 * Writes each bundled command's code cache (bin/load-bundle.js) from one short run that
 * succeeds: the first run after a build would otherwise decide what every later start finds
 * compiled, and a refusal or a --help compiles little of the path a verify takes.
 */
function warmCodeCaches() {
  const { spawnSync } = require('node:child_process');
  const os = require('node:os');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modelseal-warm-'));
  try {
    // A one-file model, its result printed as a user sees it (the printing is part of the start).
    const model = path.join(tmp, 'model.safetensors');
    fs.writeFileSync(model, 'weights');
    const key = path.join(tmp, 'key');
    const { MODELSEAL_CODE_CACHE: _off, ...env } = process.env;
    const run = (...args) => spawnSync(process.execPath, [path.join(root, 'bin', 'run.js'), ...args], { env, stdio: 'ignore' }).status;
    const ok = run('keygen', '--out', key) === 0 && run('sign', model, '--key', `${key}.key`) === 0 && run('verify', model, '--key', `${key}.pub`) === 0 && run('digest', model) === 0;
    if (!ok) process.stdout.write('bundle: could not write the code caches (they are written by the first short run instead)\n');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
