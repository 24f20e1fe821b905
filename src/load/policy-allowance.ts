import type { Policy } from '../policy/policy-types';

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

/**
 * Whether the policy lets loaders read pickle-based files of this artifact: the
 * `allowPickle` of the first artifact rule whose name matches (false when none does).
 * TODO(lead): use the policy module's rule matcher once issue 5 lands it.
 */
export function pickleAllowedBy(policy: Policy, artifactName: string): boolean {
  const rule = policy.artifacts.find((r) => globToRegExp(r.name).test(artifactName));
  return rule?.allowPickle === true;
}
