import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { EXIT_REFUSED } from '../errors';
import { scanPath } from '../load/scan-path';

export default class Scan extends BaseCommand {
  static override summary = 'Scan model files for pickles that can run code when loaded, and check safetensors headers. Exit 0 clean, 1 flagged, 2 usage or input error.';
  static override description =
    'Lists the globals every pickle imports (raw pickles, legacy torch files, and the .pkl entries of PyTorch zip checkpoints) and flags the dangerous ones (os, subprocess, builtins.eval, ...). Never unpickles anything. A pickle that cannot be scanned, or a malformed safetensors header or zip, is flagged too.';
  static override examples = ['<%= config.bin %> scan ./my-model', '<%= config.bin %> scan ./pytorch_model.bin --json'];
  static override args = { path: Args.string({ description: 'A model folder or a single file.', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(Scan);
    const result = scanPath(args.path);
    const lines: string[] = [];
    for (const f of result.files) {
      const extra: string[] = [];
      if (f.safetensors) extra.push(`${f.safetensors.tensors} tensors`);
      if (f.invalid) extra.push(f.invalid);
      lines.push(`${f.status.toUpperCase().padEnd(11)} ${f.name} (${f.format}${extra.length ? `; ${extra.join('; ')}` : ''})`);
      for (const p of f.pickles) {
        const where = p.entry ? `  ${p.entry}${p.compressed ? ' (deflated)' : ''}:` : '  pickle:';
        if (p.error) lines.push(`${where} ${p.error}`);
        const imports = p.imports.map((i) => `${i.dangerous ? '!' : ''}${i.module}.${i.name}`);
        lines.push(`${where} imports ${imports.length ? imports.join(', ') : 'nothing'}`);
        for (const d of p.dangers) lines.push(`    DANGER: ${d}`);
      }
    }
    lines.push(result.flagged ? 'Flagged: do not load these files.' : `No dangerous pickle found in ${result.files.length} file(s).`);
    const flagged = result.files.filter((f) => f.status !== 'clean' && f.status !== 'not-scanned').length;
    const error = result.flagged ? { error: { code: 'DANGEROUS_IMPORT', message: `${flagged} file(s) flagged: do not load them`, file: result.path } } : {};
    this.report({ ok: !result.flagged, flagged: result.flagged, path: result.path, files: result.files, ...error }, lines);
    if (result.flagged) process.exitCode = EXIT_REFUSED;
  }
}
