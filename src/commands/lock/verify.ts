import { Flags } from '@oclif/core';
import { BaseCommand, terminalText } from '../../cli/base-command';
import { ModelsealError } from '../../api/errors';
import { verifyLockFile } from '../../api/lock';

export default class LockVerify extends BaseCommand {
  static override summary = 'Verify every pinned artifact: present, signed by the pinned signer, unchanged. Exit 0 all verified, 1 drift refused, 2 usage or input error.';
  static override description =
    'Recomputes each pinned artifact\'s digest and checks its signature with the pinned signer (public key, Sigstore identity and issuer, or certificate subject under the pinned CA root). Refuses a missing artifact (LOCK_ARTIFACT_MISSING), a changed digest (LOCK_DIGEST_CHANGED, or ARTIFACT_MISMATCH when the files no longer match their signature) and a changed signer (LOCK_SIGNER_CHANGED: the maintainer-account-takeover case), naming the artifact.';
  static override examples = ['<%= config.bin %> lock verify', '<%= config.bin %> lock verify --lock deploy/modelseal.lock --json'];
  static override flags = {
    lock: Flags.string({ char: 'l', description: 'The lock file.', default: 'modelseal.lock' }),
    'trusted-root': Flags.string({ description: 'Sigstore trusted_root.json for Sigstore pins (default: `trust update` root, else the shipped public-good root).' }),
    key: Flags.string({ char: 'k', description: 'Extra PEM public key (repeatable): lets a re-signing by that key be reported as a signer change; it is never accepted in place of the pinned signer.', multiple: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(LockVerify);
    const outcomes = await verifyLockFile(flags.lock, { keys: flags.key ?? [], trustedRoot: flags['trusted-root'] });
    const failed = outcomes.filter((o) => !o.ok);
    const lines = outcomes.map((o) => (o.ok ? `ok       ${o.name} (${o.path}) sha256:${o.result.rootDigest}` : `REFUSED  ${o.name} (${o.path}): ${o.error.message} [${o.error.code}]`));
    // The same artifacts[] on success and on refusal; the per-artifact lines go to stdout either way.
    const artifacts = outcomes.map((o) =>
      o.ok ? { name: o.name, path: o.path, ok: true, digest: o.result.rootDigest, keyHint: o.result.keyHint } : { name: o.name, path: o.path, ok: false, error: o.error.toJSON() },
    );
    if (failed.length > 0) {
      if (!this.wantsJson() && !flags.quiet) process.stdout.write(terminalText(lines));
      const first = failed[0].ok ? undefined : failed[0].error;
      const names = failed.map((o) => o.name).join(', ');
      this.refusalFields = { lock: flags.lock, artifacts };
      throw new ModelsealError((first as ModelsealError).code, `${failed.length} of ${outcomes.length} pinned artifacts refused: ${names}`, { file: flags.lock });
    }
    this.report(
      { ok: true, lock: flags.lock, artifacts },
      outcomes.length === 0 ? `${flags.lock} pins no artifacts` : lines,
    );
  }
}
