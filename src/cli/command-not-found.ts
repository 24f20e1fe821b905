import type { Hook } from '@oclif/core';
import { EXIT_INPUT } from '../errors';
import { jsonText, terminalText } from './base-command';
import { quoted } from '../names';

/** An unknown command is a usage error like any other: one line, a code, exit 2. */
const hook: Hook<'command_not_found'> = async function (opts) {
  // oclif joins the following arguments into the id when topics are space-separated.
  const words: string[] = [];
  for (const w of opts.id.split(/[: ]/)) {
    if (!/^[a-z][a-z0-9-]*$/.test(w)) break;
    words.push(w);
  }
  const message = `unknown command ${quoted(words.join(' ') || opts.id)} (see modelseal --help)`;
  if (opts.argv?.includes('--json')) {
    process.stdout.write(jsonText({ ok: false, error: { code: 'USAGE_ERROR', message } }));
  } else {
    process.stderr.write(terminalText([`modelseal: ${message} [USAGE_ERROR]`]));
  }
  process.exit(EXIT_INPUT);
};

export default hook;
