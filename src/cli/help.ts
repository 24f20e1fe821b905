import { Command, CommandHelp, Help } from '@oclif/core';

/**
 * oclif's generated usage line renders flag relationships (exclusive, dependsOn) as nested
 * brackets that read as noise (`[--lineage [-p <value> | -k <value>... | [...] |  | ]]`). Ours
 * is the command, its arguments, its required flags and `[FLAGS]`; the FLAGS section below it
 * says what each flag needs. A command may still give hand-written `usage` lines for its modes.
 */
class ReadableCommandHelp extends CommandHelp {
  protected override defaultUsage(): string {
    const cmd = this.command as Command.Loadable;
    const args = Object.values(cmd.args ?? {})
      .filter((a) => !a.hidden)
      .map((a) => {
        const name = `${a.name.toUpperCase()}${a.multiple || cmd.strict === false ? '...' : ''}`;
        return a.required ? name : `[${name}]`;
      });
    const required = Object.entries(cmd.flags ?? {})
      .filter(([, f]) => f.required && !f.hidden)
      .map(([name, f]) => (f.type === 'boolean' ? `--${name}` : `--${name} ${flagValue(name, f)}`));
    const optional = Object.values(cmd.flags ?? {}).some((f) => !f.required && !f.hidden);
    return [cmd.id.replace(/:/g, ' '), ...args, ...required, ...(optional ? ['[FLAGS]'] : [])].join(' ');
  }
}

function flagValue(name: string, f: Command.Flag.Cached): string {
  if (f.type === 'option' && f.helpValue) return String(f.helpValue);
  if (f.type === 'option' && f.options && f.options.length <= 4) return f.options.join('|');
  return name.toUpperCase().replace(/-/g, '_');
}

export default class ModelsealHelp extends Help {
  protected override CommandHelpClass = ReadableCommandHelp;
}
