#!/usr/bin/env node
// oclif entry point; the compiled commands live in dist/.
'use strict';
// Node >= 22.1 caches compiled code between runs (a no-op on Node 20); set
// NODE_DISABLE_COMPILE_CACHE=1 to turn it off.
require('node:module').enableCompileCache?.();
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/**
 * oclif.manifest.json (written by `npm run build`) spares loading every command at
 * start-up. A manifest older than a compiled command (after a bare `tsc`) could hide or
 * misdescribe commands, so it is only used while it is newer than all of dist/commands.
 */
function manifestIsFresh() {
  try {
    const made = fs.statSync(path.join(root, 'oclif.manifest.json')).mtimeMs;
    const pending = [path.join(root, 'dist', 'commands')];
    while (pending.length > 0) {
      const dir = pending.pop();
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) pending.push(p);
        else if (e.name.endsWith('.js') && fs.statSync(p).mtimeMs > made) return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}

// The `execute` entry alone loads a third fewer modules than '@oclif/core' (which loads all of it).
async function main() {
  const { execute } = require('@oclif/core/execute');
  if (manifestIsFresh()) return execute({ dir: __dirname });
  const { Plugin } = require('@oclif/core/config');
  const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true });
  await plugin.load();
  // Pre-loaded plugins replace oclif's own loading, so the oclif plugins (help, version...) are loaded here too.
  const plugins = new Map([[plugin.name, plugin]]);
  for (const name of require('../package.json').oclif.plugins ?? []) {
    const p = new Plugin({ root, name, type: 'core', parent: plugin });
    await p.load();
    plugins.set(p.name, p);
  }
  return execute({ loadOptions: { root, plugins } });
}

/**
 * `modelseal --version` without loading oclif: the line oclif prints (config.userAgent),
 * in a sixth of the time. On WSL oclif says "wsl" for the platform: leave that to it.
 */
function printVersion() {
  const os = require('node:os');
  if (process.argv.length !== 3 || process.argv[2] !== '--version' || /microsoft/i.test(os.release())) return false;
  const pjson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const arch = os.arch() === 'ia32' ? 'x86' : os.arch();
  process.stdout.write(`${pjson.name}/${pjson.version} ${os.platform()}-${arch} node-${process.version}\n`);
  return true;
}

/** verify, sign and digest without oclif's plugins, from the bundle when the build made one (src/cli/hot-run.ts). */
const HOT = new Set(['verify', 'sign', 'digest']);

function hotRunner(argv) {
  if (!HOT.has(argv[0]) || argv.some((a) => a === '--help' || a === '-h')) return undefined;
  if (process.env.MODELSEAL_BUNDLE !== '0') {
    const bundled = require('./load-bundle').loadBundle(root, argv[0]);
    if (bundled) return bundled;
  }
  return manifestIsFresh() ? require('../dist/cli/hot-run.js') : undefined;
}

if (!printVersion()) {
  const argv = process.argv.slice(2);
  const hot = hotRunner(argv);
  (hot ? hot.runHot(argv, root) : main()).catch((err) => (hot ?? require('@oclif/core/handle')).handle(err));
}
