'use strict';
// Loads dist/bundle/cli.js (written by `npm run build`, scripts/bundle-cli.js) when it is
// at least as new as the compiled files it was made from, with V8's code cache beside it
// (dist/bundle/cli.js.<command>.cache): compiling the bundle costs more than running a verify.
// node:module's enableCompileCache does this on Node >= 22.1 only; vm.Script works on 20.
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

function stat(file) {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/**
 * tsc rewrites every file it emits, the bundle's entry among them: a bundle older than its
 * entry (or than the oclif manifest, written after tsc) was made from other code.
 */
function bundleIsFresh(root, made) {
  const entry = stat(path.join(root, 'dist', 'cli', 'hot-run.js'));
  const manifest = stat(path.join(root, 'oclif.manifest.json'));
  return entry !== undefined && manifest !== undefined && made.mtimeMs >= entry.mtimeMs && made.mtimeMs >= manifest.mtimeMs;
}

/**
 * The cache belongs to one build of the bundle: V8 checks its own version and flags but,
 * of the source, only the length, so the cache starts with the bundle's size and mtime.
 */
function cacheStamp(made) {
  return Buffer.from(`modelseal-bundle ${made.size} ${made.mtimeMs}\n`);
}

function readCache(file, stamp) {
  try {
    const data = fs.readFileSync(file);
    return data.subarray(0, stamp.length).equals(stamp) ? data.subarray(stamp.length) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * V8 drops the bytecode of functions that have not run for a while: the cache a long run
 * (a million files) wrote at exit lacked the start-up's functions, and every later start
 * compiled them again (digest of one file: 143 ms instead of 99). Only a short run writes it.
 */
const CACHE_RUN_SECONDS = 2;

/** Written once the command has run (its functions compiled), atomically; a read-only install just goes without. */
function writeCacheAtExit(file, stamp, script) {
  process.once('exit', () => {
    if (process.uptime() > CACHE_RUN_SECONDS) return;
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, Buffer.concat([stamp, script.createCachedData()]), { flag: 'wx' });
      fs.renameSync(tmp, file);
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  });
}

/**
 * The bundle's exports (runHot, handle), or undefined when there is no fresh bundle. Each
 * command has its own cache (`cli.js.<command>.cache`): a cache holds the functions the run
 * that wrote it compiled, so a `sign` run's cache leaves most of `verify` to compile.
 */
function loadBundle(root, command) {
  const bundle = path.join(root, 'dist', 'bundle', 'cli.js');
  const made = stat(bundle);
  if (made === undefined || !bundleIsFresh(root, made)) return undefined;
  const source = fs.readFileSync(bundle, 'utf8');
  const cacheFile = command === undefined ? `${bundle}.cache` : `${bundle}.${command}.cache`;
  const stamp = cacheStamp(made);
  const cachedData = process.env.MODELSEAL_CODE_CACHE === '0' ? undefined : readCache(cacheFile, stamp);
  const script = new vm.Script(Module.wrap(source), {
    filename: bundle,
    cachedData,
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (process.env.MODELSEAL_CODE_CACHE !== '0' && (cachedData === undefined || script.cachedDataRejected)) writeCacheAtExit(cacheFile, stamp, script);
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(path.dirname(bundle));
  require.cache[bundle] = mod;
  script.runInThisContext()(mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle));
  mod.loaded = true;
  return mod.exports;
}

module.exports = { loadBundle };
