import { ModelsealError } from '../errors';
import { quoted } from '../names';
import type { Policy } from '../policy/policy-types';
import { checkName, describeMatch, type NameMatch } from './check-name';

export interface NearNameOptions {
  /** Pinned names with the key hints of their pinned signers (from a lock file). */
  pinned?: ReadonlyMap<string, readonly string[]>;
  /** The key hint of the key that verified the artifact, for the pinned-name check. */
  keyHint?: string;
}

/**
 * For `verify --policy`: refuses an artifact whose declared name is a near-name of a
 * name the policy trusts (or of a pinned name) while its signer is not that name's
 * signer, since the look-alike may be validly signed by its own author.
 * `signer` is the name of the policy signer that verified the artifact (undefined
 * when none did). Returns the refusal to throw, or undefined when the name is not
 * a near-name or is signed by the signer trusted for what it resembles.
 */
export function nearNameRefusal(name: string, signer: string | undefined, policy: Policy, options: NearNameOptions = {}): ModelsealError | undefined {
  const check = checkName(name, { pinned: options.pinned?.keys(), trustedPatterns: policy.artifacts.map((r) => r.name) });
  const refused: Array<{ match: NameMatch; trusted: string[] }> = [];
  for (const match of check.matches) {
    if (match.source === 'policy') {
      const trusted = [...new Set(policy.artifacts.filter((r) => r.name === match.target).flatMap((r) => r.signers))];
      if (signer === undefined || !trusted.includes(signer)) refused.push({ match, trusted });
    } else {
      const hints = options.pinned?.get(match.target) ?? [];
      if (options.keyHint === undefined || !hints.includes(options.keyHint)) refused.push({ match, trusted: hints.map((h) => `key ${h.slice(0, 12)}…`) });
    }
  }
  if (refused.length === 0) return undefined;
  const first = refused[0];
  const by = signer !== undefined ? `signer ${quoted(signer)}` : options.keyHint ? `key ${options.keyHint.slice(0, 12)}…` : 'a signer the policy does not name';
  return new ModelsealError(
    'NEAR_NAME',
    `${quoted(name)} is ${describeMatch(first.match)}, but is signed by ${by}, not by ${first.trusted.join(', ') || 'its pinned signer'} (possible typosquat or dependency confusion)`,
    { details: { name, signer, matches: refused.map((r) => ({ ...r.match, trustedSigners: r.trusted })) } },
  );
}
