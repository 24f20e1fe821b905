import { quoted } from '../names';
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
    throw new ModelsealError('POLICY_DENIED', `no policy rule matches the artifact name ${quoted(name)}${where}; every artifact needs a rule (give --name to choose the name)`, { file });
  }
  return rule;
}

/** The named signers, in the order given (names were checked when the policy was loaded). */
export function signersNamed(policy: Policy, names: readonly string[]): PolicySigner[] {
  return names.map((n) => policy.signers.get(n)).filter((s): s is PolicySigner => s !== undefined);
}

/**
 * The rule for an artifact from the names that may choose it, the deployer's first
 * (`--name`, a release record's or lock file's name, a parent's binding, the path given).
 * Every other name must select the same rule: names an artifact writes into its own
 * signature can only agree, never choose a more lenient rule. With no name at all, only
 * a policy with a single rule can decide. Refuses (RULE_AMBIGUOUS) rather than guess.
 */
export function ruleForNames(policy: Policy, names: readonly string[], what: string, file?: string): ArtifactRule {
  if (names.length === 0) {
    if (policy.artifacts.length === 1) return policy.artifacts[0];
    throw new ModelsealError('RULE_AMBIGUOUS', `no name chooses the policy rule for ${what} (its parent's provenance does not name it); give the artifact with --with so its path names it`, { file });
  }
  const rule = ruleFor(policy, names[0], file);
  for (const other of names.slice(1)) {
    const alt = findRule(policy, other);
    if (alt && alt !== rule) {
      throw new ModelsealError(
        'RULE_AMBIGUOUS',
        `${what} is named ${quoted(names[0])}, which selects the rule ${quoted(rule.name)}, but it is also named ${quoted(other)}, which selects ${quoted(alt.name)}; give --name to say which it is`,
        { file },
      );
    }
  }
  return rule;
}

/**
 * The most distinct signers a channel's signers could ever provide: each key and each
 * exact Sigstore identity counts once; a Sigstore identity pattern or CA roots can
 * certify any number of identities (null: no bound).
 */
export function reachableSigners(signers: readonly PolicySigner[]): number | null {
  const ids = new Set<string>();
  for (const s of signers) {
    if (s.kind === 'ca' || (s.kind === 'sigstore' && s.identityRegexp)) return null;
    if (s.kind === 'key') for (const k of s.keys) ids.add(`key:${k.id}`);
    else ids.add(`sigstore:${s.issuer}\n${s.identity}`);
  }
  return ids.size;
}
