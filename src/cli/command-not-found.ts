import type { Hook } from '@oclif/core';
import { EXIT_INPUT } from '../errors';

/** An unknown command is a usage error like any other: one line, a code, exit 2. */
const hook: Hook<'command_not_found'> = async function (opts) {
  // oclif joins the following arguments into the id when topics are space-separated.
  const words: string[] = [];
  for (const w of opts.id.split(/[: ]/)) {
    if (!/^[a-z][a-z0-9-]*$/.test(w)) break;
    words.push(w);
  }
  const message = `unknown command ${JSON.stringify(words.join(' ') || opts.id)} (see modelseal --help)`;
  if (opts.argv?.includes('--json')) {
    process.stdout.write(JSON.stringify({ ok: false, error: { code: 'USAGE_ERROR', message } }, null, 2) + '\n');
  } else {
    process.stderr.write(`modelseal: ${message} [USAGE_ERROR]\n`);
  }
  process.exit(EXIT_INPUT);
};

export default hook;
