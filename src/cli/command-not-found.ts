import type { Hook } from '@oclif/core';
import levenshtein from 'fast-levenshtein';
import { EXIT_INPUT } from '../api/errors';
import { jsonText, terminalText } from './base-command';
import { quoted } from '../api/names';

/**
 * An unknown command is a usage error like any other: one line naming the nearest command
 * ("did you mean sign?"), a code, exit 2. This replaces @oclif/plugin-not-found, which glues
 * the arguments into the command name, prompts for ten seconds and exits 127; the distance is
 * the same (fast-levenshtein, which that plugin uses).
 */
const hook: Hook<'command_not_found'> = async function (opts) {
  const visible = opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...(c.aliases ?? [])]).map((id) => id.replace(/:/g, ' '));
  const topics = new Set(opts.config.topics.map((t) => t.name.replace(/:/g, ' ')));
  // oclif joins the following arguments into the id when topics are space-separated: the
  // command is the known topics followed by the first word that is not one.
  const words = opts.id.split(/[: ]/).filter(Boolean);
  const typed: string[] = [];
  for (const w of words) {
    typed.push(w);
    if (!topics.has(typed.join(' '))) break;
  }
  const candidates = [...visible, ...topics];
  const name = typed.join(' ').slice(0, 64);
  const nearest = candidates
    .map((id) => ({ id, d: levenshtein.get(name, id), shared: sharedLetters(name, id) }))
    .sort((a, b) => a.d - b.d || b.shared - a.shared || a.id.localeCompare(b.id))[0];
  const suggestion = nearest && nearest.d <= Math.max(2, Math.floor(name.length / 3)) ? `; did you mean "${nearest.id}"?` : '';
  const message = `unknown command ${quoted(name)}${suggestion} (see ${opts.config.bin} help)`;
  if (opts.argv?.includes('--json')) {
    process.stdout.write(jsonText({ ok: false, error: { code: 'USAGE_ERROR', message } }));
  } else {
    process.stderr.write(terminalText([`${opts.config.bin}: ${message} [USAGE_ERROR]`]));
  }
  process.exit(EXIT_INPUT);
};

/** Letters two words have in common (with repeats): breaks ties towards swapped letters ("sgin" is "sign"). */
function sharedLetters(a: string, b: string): number {
  const left = [...b];
  let n = 0;
  for (const ch of a) {
    const i = left.indexOf(ch);
    if (i >= 0) {
      left.splice(i, 1);
      n++;
    }
  }
  return n;
}

export default hook;
