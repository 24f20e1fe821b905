import { ModelsealError } from '../errors';
import type { PublicKeyInfo } from '../keys/key-types';
import { firstMatchingRule } from '../load/policy-allowance';
import type { Policy } from '../policy/policy-types';
import { verifyArtifact, type VerifyResult } from '../verify/verify-artifact';

/**
 * THE one place the gate checks an artifact's own signature and policy. Today: the
 * first artifact rule matching the release name must exist; the artifact's OMS
 * signature (default location) must verify with a key of one of that rule's key
 * signers; a rule that requires lineage is refused, since lineage evaluation is not
 * wired in yet (fail closed). Point this at the lineage-aware evaluator when it lands.
 */
export async function verifyReleaseArtifact(policy: Policy, name: string, artifactPath: string): Promise<VerifyResult> {
  const rule = firstMatchingRule(policy, name);
  if (!rule) throw new ModelsealError('UNTRUSTED_SIGNER', `no artifact rule of the policy matches ${JSON.stringify(name)}; an artifact that matches no rule is refused`, { file: artifactPath });
  if (rule.lineage === 'required') {
    throw new ModelsealError('UNTRUSTED_SIGNER', `the policy requires lineage for ${JSON.stringify(name)}, which the update gate does not evaluate yet`, { file: artifactPath });
  }
  const keys: PublicKeyInfo[] = [];
  for (const signerName of rule.signers) {
    const s = policy.signers.get(signerName);
    if (s?.kind === 'key') keys.push(...s.keys);
  }
  if (keys.length === 0) {
    throw new ModelsealError('UNTRUSTED_SIGNER', `the artifact rule ${JSON.stringify(rule.name)} names no key signer; the gate verifies artifacts with keys only`, { file: artifactPath });
  }
  return verifyArtifact(artifactPath, { keys });
}
