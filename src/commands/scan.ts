import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { EXIT_REFUSED } from '../api/errors';
import { scanPath, describeProblems, displayName } from '../api/load';

export default class Scan extends BaseCommand {
  static override summary = 'Judge whether model files are safe to load: allowlisted pickles, safetensors, GGUF, numpy, JSON and text pass. Exit 0 only when every file is SAFE, 1 otherwise, 2 usage or input error.';
  static override description =
    'Each file gets a format and a verdict: SAFE, DANGEROUS (known code execution), UNSAFE_UNKNOWN (a pickle imports or calls what the allowlist does not hold) or UNSCANNABLE (may run code but cannot be analysed). Pickles are found by parsing (protocols 0-5, several in a row), inside torch zip and legacy checkpoints, joblib files (plain, gzip, zlib), .npy/.npz object arrays; Keras configs are checked for Lambda layers. Never unpickles anything and never reads tensor data.';
  static override examples = ['<%= config.bin %> scan ./my-model', '<%= config.bin %> scan ./pytorch_model.bin --json', '<%= config.bin %> scan ./model.pkl --allow-global sklearn.linear_model._base.LinearRegression'];
  static override args = { path: Args.string({ description: 'A model folder or a single file.', required: true }) };
  static override flags = {
    'allow-global': Flags.string({ description: 'Add a global to the pickle allowlist by exact name (module.name); repeatable.', multiple: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Scan);
    const result = scanPath(args.path, { allowGlobals: flags['allow-global'] ?? [] });
    const lines: string[] = [];
    for (const f of result.files) {
      const extra = f.safetensors ? `; ${f.safetensors.tensors} tensors` : '';
      lines.push(`${f.verdict.padEnd(14)} ${displayName(f.name)} (${f.format}${extra})`);
      for (const p of f.pickles) {
        const where = p.entry ? `  ${displayName(p.entry)}:` : '  pickle:';
        const globals = p.globals.slice(0, 20).map((g) => `${g.status === 'allowed' ? '' : g.status === 'dangerous' ? '!' : '?'}${displayName(`${g.module}.${g.name}`)}`);
        lines.push(`${where} ${p.pickles} pickle(s), imports ${globals.length ? globals.join(', ') : 'nothing'}${p.globals.length > 20 ? ` and ${p.globals.length - 20} more` : ''}`);
      }
      for (const v of ['DANGEROUS', 'UNSAFE_UNKNOWN', 'UNSCANNABLE'] as const) {
        const problems = describeProblems(f, v);
        for (const d of problems.slice(0, 5)) lines.push(`    ${v}: ${displayName(d)}`);
        if (problems.length > 5) lines.push(`    ${v}: and ${problems.length - 5} more`);
      }
    }
    const bad = result.files.filter((f) => f.verdict !== 'SAFE').length;
    lines.push(result.flagged ? `Flagged ${bad} of ${result.files.length} file(s): do not load them.` : `All ${result.files.length} file(s) are safe to load.`);
    const files = result.files.map((f) => ({
      name: f.name,
      size: f.size,
      format: f.format,
      verdict: f.verdict,
      globals: [...new Map(f.pickles.flatMap((p) => p.globals).map((g) => [`${g.module}:${g.name}`, g])).values()],
      pickles: f.pickles,
      reasons: f.reasons,
      ...(f.safetensors ? { safetensors: f.safetensors } : {}),
    }));
    const worst = result.files.some((f) => f.verdict === 'DANGEROUS') ? 'DANGEROUS_IMPORT' : result.files.some((f) => f.verdict === 'UNSAFE_UNKNOWN') ? 'UNKNOWN_IMPORT' : 'UNSCANNABLE';
    const error = result.flagged ? { error: { code: worst, message: `${bad} file(s) flagged: do not load them`, file: result.path } } : {};
    this.report({ ok: !result.flagged, flagged: result.flagged, path: result.path, files, ...error }, lines);
    if (result.flagged) process.exitCode = EXIT_REFUSED;
  }
}
