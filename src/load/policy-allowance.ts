import { findRule } from '../policy/rules';
import type { Policy } from '../policy/policy-types';

/**
 * Whether the policy lets loaders read pickle-based files of this artifact: the
 * `allowPickle` of the first artifact rule whose name matches (false when none does).
 */
export function pickleAllowedBy(policy: Policy, artifactName: string): boolean {
  return findRule(policy, artifactName)?.allowPickle === true;
}

/** The globals the first matching artifact rule adds to the pickle allowlist (`allowGlobals`, exact names). */
export function globalsAllowedBy(policy: Policy, artifactName: string): string[] {
  return [...(findRule(policy, artifactName)?.allowGlobals ?? [])];
}
