import { ModelsealError } from '../errors';
import { matchesGlob } from './glob';
import type { ArtifactRule, Policy, PolicySigner } from './policy-types';

/** The first rule whose name glob matches, or undefined. */
export function findRule(policy: Policy, name: string): ArtifactRule | undefined {
  return policy.artifacts.find((r) => matchesGlob(r.name, name));
}

/** The first matching rule; an artifact no rule names is refused (fail closed). */
export function ruleFor(policy: Policy, name: string, file?: string): ArtifactRule {
  const rule = findRule(policy, name);
  if (!rule) {
    const where = policy.file ? ` in ${policy.file}` : '';
    throw new ModelsealError('POLICY_DENIED', `no policy rule matches the artifact name ${JSON.stringify(name)}${where}; every artifact needs a rule (give --name to choose the name)`, { file });
  }
  return rule;
}

/** The named signers, in the order given (names were checked when the policy was loaded). */
export function signersNamed(policy: Policy, names: readonly string[]): PolicySigner[] {
  return names.map((n) => policy.signers.get(n)).filter((s): s is PolicySigner => s !== undefined);
}
