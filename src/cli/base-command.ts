// Subpath imports: the '@oclif/core' index loads all of oclif (start-up time, issue 16).
import { Command } from '@oclif/core/command';
import { randomBytes } from 'node:crypto';
import * as Flags from '@oclif/core/flags';
import { EXIT_INPUT, ModelsealError } from '../api/errors';
import { escapeJsonText, safeLine } from '../api/names';

/** The longest human line we print: attacker strings inside are cut (and escaped) by the name module. */
const HUMAN_LINE_LIMIT = 2000;

/** A --json document: JSON with every character a terminal would act on escaped. */
export function jsonText(value: unknown): string {
  return escapeJsonText(JSON.stringify(value, null, 2)) + '\n';
}

/** Bytes per chunk of a streamed document. */
const CHUNK_BYTES = 1 << 20;

/**
 * The bytes of jsonText, in chunks: `value` may hold one JsonList (at any depth), whose
 * items are stringified one at a time where JSON.stringify would have put the array.
 * Each item's text goes straight into a chunk buffer and dies young: text kept on the
 * heap until a chunk is full would be promoted, and every full collection would then
 * mark whatever large state the command holds.
 */
export function* jsonChunks(value: unknown): Generator<Buffer> {
  let list: JsonList | undefined;
  const marker = `\u0000list-${randomBytes(16).toString('hex')}`;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (!(v instanceof JsonList)) return v;
    if (list) throw new Error('internal: a --json document streams one list');
    list = v;
    return marker;
  }, 2);
  const quotedMarker = JSON.stringify(marker);
  const at = list ? text.indexOf(quotedMarker) : -1;
  if (!list || at < 0) {
    yield Buffer.from(jsonText(value));
    return;
  }
  const indent = text.slice(text.lastIndexOf('\n', at) + 1).match(/^ */)![0];
  const inner = `\n${indent}  `;
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  function* put(piece: string): Generator<Buffer> {
    const bytes = Buffer.byteLength(piece);
    if (used + bytes > chunk.length && used > 0) {
      yield chunk.subarray(0, used);
      chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
      used = 0;
    }
    if (bytes > chunk.length) chunk = Buffer.allocUnsafe(bytes);
    used += chunk.write(piece, used);
  }
  // Escaping is per character, so each piece is escaped on its own.
  yield* put(escapeJsonText(text.slice(0, at)));
  let first = true;
  for (const item of normalizedItems(list)) {
    yield* put((first ? '[' : ',') + inner + escapeJsonText(JSON.stringify(item, null, 2).replace(/\n/g, inner)));
    first = false;
  }
  yield* put(escapeJsonText((first ? '[]' : `\n${indent}]`) + text.slice(at + quotedMarker.length)) + '\n');
  if (used > 0) yield chunk.subarray(0, used);
}

/**
 * Lines for a terminal: each escaped (controls, bidi, line separators) and bounded, so
 * nothing attacker-written reaches a terminal raw, whichever printer built the line.
 */
export function terminalText(lines: readonly string[]): string {
  return lines.map((l) => safeLine(l, HUMAN_LINE_LIMIT)).join('\n') + '\n';
}
import { normalizeUnderscoreFlags } from './compat-flags';
import { withProgressScope } from '../api/digest';
import { JsonList, normalizedItems, refusalJson, successJson } from './json-output';
import { ProgressLine, progressWanted } from './progress';

/** oclif's parse errors span lines ("The following error occurred:" ... "See more help"); keep the substance. */
export function usageLine(message: string): string {
  const lines = message
    .replace(/\x1b\[[0-9;]*m/g, '') // oclif colours flag names; a one-line error is plain text
    .split('\n')
    .map((l) => l.trim().replace(/^Error: /, ''))
    .filter((l) => l && !/^The following errors? occurred|^See more help|^Note: |^Alternatively, /.test(l));
  // "Missing 2 required args:" is followed by one "name  <its description>" line per argument: keep the names.
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].endsWith(':')) {
      out.push(lines[i]);
      continue;
    }
    const names: string[] = [];
    while (i + 1 < lines.length && /^[\w-]+(\s{2,}|$)/.test(lines[i + 1])) names.push(lines[++i].split(/\s{2,}/)[0]);
    out.push(names.length ? `${lines[i - names.length]} ${names.join(', ')}` : lines[i]);
  }
  return (out.join('; ') || 'invalid usage') + ' (see --help)';
}

/**
 * The base of every modelseal command: `--json`, `--quiet` and `--debug`, and one
 * error path that prints a one-line message (or a JSON error) and sets the
 * documented exit status. Stack traces only with --debug.
 */
export abstract class BaseCommand extends Command {
  static baseFlags = {
    json: Flags.boolean({ description: 'Print a machine-readable JSON result on stdout.', helpGroup: 'GLOBAL' }),
    quiet: Flags.boolean({ char: 'q', description: 'Print nothing but errors.', helpGroup: 'GLOBAL' }),
    debug: Flags.boolean({ description: 'Show stack traces for errors.', helpGroup: 'GLOBAL' }),
  };

  public override async init(): Promise<void> {
    this.argv = normalizeUnderscoreFlags(this.argv);
    await super.init();
  }

  private progressLine?: ProgressLine;
  /** The command's own fields for its --json refusal (e.g. which pinned artifacts failed). */
  protected refusalFields: Record<string, unknown> = {};

  /**
   * Every command runs in a progress scope when it may draw one: whatever it hashes through
   * the library (policies, lineage, the gate, lock files, releases) shows one progress line.
   */
  protected override async _run<T>(): Promise<T> {
    if (!progressWanted(this.argv)) return super._run<T>();
    this.progressLine = new ProgressLine('hashing');
    return withProgressScope(this.progressLine.sink(), () => super._run<T>());
  }

  protected wantsJson(): boolean {
    return this.argv.includes('--json');
  }

  /** Prints the result: JSON on --json, else the human lines unless --quiet. */
  protected report(json: Record<string, unknown>, human: string | string[]): void {
    this.progressLine?.clear();
    if (this.wantsJson()) {
      process.stdout.write(jsonText(successJson(json)));
    } else if (!this.argv.includes('--quiet') && !this.argv.includes('-q')) {
      process.stdout.write(terminalText(Array.isArray(human) ? human : [human]));
    }
  }

  /** report, with the --json document written in chunks as stdout takes them (it may hold a JsonList). */
  protected async reportStreamed(json: Record<string, unknown>, human: string | string[]): Promise<void> {
    if (!this.wantsJson()) return this.report(json, human);
    this.progressLine?.clear();
    for (const chunk of jsonChunks(successJson(json))) {
      if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
  }

  protected override async catch(err: Error & { oclif?: { exit?: number } }): Promise<void> {
    this.parsed = true; // the error is reported here; oclif need not also warn that parsing did not finish
    let error: ModelsealError;
    if (err instanceof ModelsealError) {
      error = err;
    } else if (err?.oclif?.exit !== undefined || /flag|argument|Expected/i.test(err?.message ?? '')) {
      error = new ModelsealError('USAGE_ERROR', usageLine(err.message ?? String(err)), { cause: err });
    } else {
      error = new ModelsealError('INTERNAL_ERROR', `unexpected error: ${err?.message ?? String(err)}`, { cause: err });
    }
    this.progressLine?.clear();
    if (this.wantsJson()) {
      process.stdout.write(jsonText(refusalJson(error, this.refusalFields)));
    } else {
      process.stderr.write(terminalText([`modelseal ${(this.id ?? '').replace(/:/g, ' ')}: ${error.message} [${error.code}]`.replace(' :', ':')]));
    }
    if (this.argv.includes('--debug')) process.stderr.write(terminalText(String((error.cause as Error)?.stack ?? error.stack).split('\n')));
    process.exitCode = error.exitCode ?? EXIT_INPUT;
  }
}
