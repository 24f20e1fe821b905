// Subpath imports: the '@oclif/core' index loads all of oclif (start-up time, issue 16).
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { EXIT_INPUT, ModelsealError } from '../errors';
import { escapeJsonText, safeLine } from '../names';

/** The longest human line we print: attacker strings inside are cut (and escaped) by the name module. */
const HUMAN_LINE_LIMIT = 2000;

/** A --json document: JSON with every character a terminal would act on escaped. */
export function jsonText(value: unknown): string {
  return escapeJsonText(JSON.stringify(value, null, 2)) + '\n';
}

/**
 * Lines for a terminal: each escaped (controls, bidi, line separators) and bounded, so
 * nothing attacker-written reaches a terminal raw, whichever printer built the line.
 */
export function terminalText(lines: readonly string[]): string {
  return lines.map((l) => safeLine(l, HUMAN_LINE_LIMIT)).join('\n') + '\n';
}
import { normalizeUnderscoreFlags } from './compat-flags';

/** oclif's parse errors span lines ("The following error occurred:" ... "See more help"); keep the substance. */
export function usageLine(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim().replace(/^Error: /, ''))
    .filter((l) => l && !/^The following errors? occurred|^See more help|^Note: |^Alternatively, /.test(l));
  // "Missing 1 required arg:" is followed by "artifact  <its description>": keep the name.
  const joined = lines.map((l, i) => (l.endsWith(':') && lines[i + 1] ? `${l} ${lines[i + 1].split(/\s{2,}/)[0]}` : l)).filter((l, i) => !(i > 0 && lines[i - 1].endsWith(':')));
  return (joined.join('; ') || 'invalid usage') + ' (see --help)';
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

  protected wantsJson(): boolean {
    return this.argv.includes('--json');
  }

  /** Prints the result: JSON on --json, else the human lines unless --quiet. */
  protected report(json: Record<string, unknown>, human: string | string[]): void {
    if (this.wantsJson()) {
      process.stdout.write(jsonText(json));
    } else if (!this.argv.includes('--quiet') && !this.argv.includes('-q')) {
      process.stdout.write(terminalText(Array.isArray(human) ? human : [human]));
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
    if (this.wantsJson()) {
      process.stdout.write(jsonText({ ok: false, error: error.toJSON() }));
    } else {
      process.stderr.write(terminalText([`modelseal ${(this.id ?? '').replace(/:/g, ' ')}: ${error.message} [${error.code}]`.replace(' :', ':')]));
    }
    if (this.argv.includes('--debug')) process.stderr.write(terminalText(String((error.cause as Error)?.stack ?? error.stack).split('\n')));
    process.exitCode = error.exitCode ?? EXIT_INPUT;
  }
}
