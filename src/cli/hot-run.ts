/*
 * The commands most runs are (verify, sign, digest) start through oclif's own `execute`,
 * with two steps of its start-up left out (issue 16: start-up time):
 * - no plugin is loaded: help, version, commands and autocomplete come from oclif plugins
 *   that these commands never use (a run that asks for help takes the full path, in
 *   bin/run.js), and none of them has a hook;
 * - the command class is this module's import instead of a file oclif finds and loads, so
 *   that the build can bundle these commands with oclif into one file (dist/bundle/cli.js).
 * Parsing, help flags, hooks, exit codes and error output are oclif's, unchanged.
 */
import type { Command } from '@oclif/core/command';
import { Plugin } from '@oclif/core/config';
import { execute } from '@oclif/core/execute';

// Required when run: a verify loads no sign or digest command code.
const HOT: Readonly<Record<string, () => Command.Class>> = {
  digest: () => (require('../commands/digest') as typeof import('../commands/digest')).default,
  sign: () => (require('../commands/sign') as typeof import('../commands/sign')).default,
  verify: () => (require('../commands/verify') as typeof import('../commands/verify')).default,
};

/**
 * Runs `load` with String.prototype.localeCompare as a plain code-unit comparison.
 * Plugin.load sorts the manifest's commands with localeCompare, and its first call loads
 * ICU's collation data: 8 to 15 ms, a tenth of a verify's start-up. The order only shows
 * in help and command lists, which never take this path.
 */
async function withoutCollation<T>(load: () => Promise<T>): Promise<T> {
  const localeCompare = Object.getOwnPropertyDescriptor(String.prototype, 'localeCompare') as PropertyDescriptor;
  Object.defineProperty(String.prototype, 'localeCompare', {
    ...localeCompare,
    value(this: string, that: string) {
      return this < that ? -1 : this > that ? 1 : 0;
    },
  });
  try {
    return await load();
  } finally {
    Object.defineProperty(String.prototype, 'localeCompare', localeCompare);
  }
}

/**
 * Runs `argv` through oclif with the root plugin only; `root` is the package folder (its
 * package.json and oclif.manifest.json). bin/run.js sends only hot commands without help
 * flags here; any other command would still be found through the manifest.
 */
export async function runHot(argv: string[], root: string): Promise<unknown> {
  const plugin = new Plugin({ root, type: 'core', isRoot: true });
  await withoutCollation(() => plugin.load());
  const find = plugin.findCommand.bind(plugin);
  plugin.findCommand = (async (id: string, opts?: { must?: boolean }) => {
    const cmd = Object.hasOwn(HOT, id) ? HOT[id]() : undefined;
    if (!cmd) return find(id, opts as { must: true });
    cmd.id = id;
    cmd.plugin = plugin;
    return cmd;
  }) as Plugin['findCommand'];
  return execute({ args: argv, loadOptions: { root, plugins: new Map([[plugin.name, plugin]]) } });
}

/** oclif's error printer, for an error before oclif's own handling (bin/run.js). */
export { handle } from '@oclif/core/handle';
