import type { ArtifactRule, Policy } from '../policy/policy-types';

/** `*` within a path segment, `**` across segments; the policy's glob on artifact names. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The first artifact rule whose name glob matches (the policy's rule order). TODO(lead): issue 5's matcher. */
export function firstMatchingRule(policy: Policy, artifactName: string): ArtifactRule | undefined {
  return policy.artifacts.find((r) => globToRegExp(r.name).test(artifactName));
}

/**
 * Whether the policy lets loaders read pickle-based files of this artifact: the
 * `allowPickle` of the first artifact rule whose name matches (false when none does).
 */
export function pickleAllowedBy(policy: Policy, artifactName: string): boolean {
  return firstMatchingRule(policy, artifactName)?.allowPickle === true;
}
