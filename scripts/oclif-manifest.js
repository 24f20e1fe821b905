#!/usr/bin/env node
// Writes oclif.manifest.json (run by `npm run build` after tsc). With a manifest, oclif
// reads command metadata from this file instead of loading every command module at
// start-up; bin/run.js falls back to discovery when the file is older than dist/commands.
// Uses @oclif/core's own Plugin loader, as the `oclif manifest` dev command does.
// Usage: node scripts/oclif-manifest.js [output file]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { Plugin } = require('@oclif/core');

async function main() {
  const root = path.resolve(__dirname, '..');
  const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true });
  await plugin.load();
  const file = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'oclif.manifest.json');
  fs.writeFileSync(file, JSON.stringify(plugin.manifest, null, 2) + '\n');
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)} (${Object.keys(plugin.manifest.commands).length} commands)\n`);
}

main().catch((err) => {
  process.stderr.write(`oclif-manifest: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
