import { Args, Flags } from '@oclif/core';
import { BaseCommand, terminalText } from '../../cli/base-command';
import { EXIT_REFUSED } from '../../api/errors';
import { checkName, describeMatch, quoted } from '../../api/names';
import { readLockFile } from '../../api/lock';
import { loadPolicy } from '../../api/policy';

export default class LockCheckName extends BaseCommand {
  static override summary = 'Warn when a name looks like a pinned or trusted name without being it (typosquat, dependency confusion). Exit 0 clean, 1 flagged, 2 usage or input error.';
  static override description =
    'Compares the name with the names pinned in the lock file and the artifact name patterns of a policy: case and separator folding, look-alike characters (Cyrillic, Greek, 1/l, 0/o, rn/m), Damerau-Levenshtein distance up to 2 on the folded form (deliberate variants such as another size or version are not flagged), and the same name under another namespace.';
  static override examples = [
    '<%= config.bin %> lock check-name llama2-7b',
    '<%= config.bin %> lock check-name meta_llama/Llama-2-7b --policy policy.yaml --json',
  ];
  static override args = { name: Args.string({ description: 'The artifact name about to be used.', required: true }) };
  static override flags = {
    lock: Flags.string({ char: 'l', description: 'The lock file whose pinned names are checked against (skipped if absent and not given).' }),
    policy: Flags.string({ char: 'p', description: 'A policy file whose artifact name patterns are trusted names.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(LockCheckName);
    const lock = readLockFile(flags.lock ?? 'modelseal.lock', { allowMissing: flags.lock === undefined });
    const policy = flags.policy ? loadPolicy(flags.policy) : undefined;
    const check = checkName(args.name, { pinned: lock.artifacts.keys(), trustedPatterns: policy?.artifacts.map((r) => r.name) ?? [] });
    const human = check.flagged
      ? [`WARNING: ${quoted(args.name)} is not pinned and looks like:`, ...check.matches.map((m) => `  ${describeMatch(m)}`)]
      : [`${quoted(args.name)}: ${check.pinned ? 'pinned' : check.trustedBy.length ? `trusted by policy pattern ${check.trustedBy.join(', ')}` : 'no near match'}`];
    if (check.flagged && !this.wantsJson()) {
      process.stderr.write(terminalText(human));
    } else {
      const error = check.flagged ? { error: { code: 'NEAR_NAME', message: `${JSON.stringify(args.name)} is not pinned and looks like ${check.matches.length} pinned or trusted name(s)` } } : {};
      this.report({ ok: !check.flagged, ...check, ...error }, human);
    }
    if (check.flagged) process.exitCode = EXIT_REFUSED;
  }
}
