/** A warning a command prints (stderr, one line each; none under --quiet) and lists under `warnings` in --json. */
export interface CliWarning {
  code: string;
  message: string;
}

export function printWarnings(command: string, warnings: readonly CliWarning[], flags: { json?: boolean; quiet?: boolean }): void {
  if (flags.json || flags.quiet) return;
  for (const w of warnings) process.stderr.write(`modelseal ${command}: warning: ${w.message} [${w.code}]\n`);
}

/** `{ warnings }` for a JSON result, or nothing when there are none. */
export function warningsJson(warnings: readonly CliWarning[]): { warnings?: CliWarning[] } {
  return warnings.length > 0 ? { warnings: [...warnings] } : {};
}
