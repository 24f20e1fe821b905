import { verifyLineage } from '../lineage/verify-lineage';
import type { Policy } from '../policy/policy-types';

export interface ReleaseArtifactOptions {
  /** Folders of signature/provenance bundles for lineage (as `verify --attestations`). */
  attestations?: string[];
  now?: Date;
  /** Refuses the digest the artifact claims before its files are hashed (the release record's binding). */
  expectDigest?: (digest: string) => void;
}

/**
 * THE one place the gate checks an artifact on its own: exactly what `verify --policy`
 * does, with the release name selecting the policy rule. The artifact's signature
 * (default location) must be by one of the rule's signers and match the files; kinds,
 * builders, the name guard, required evaluations and, when the rule asks, the whole
 * lineage are checked by the policy's lineage-aware evaluator. Returns the root digest.
 */
export async function verifyReleaseArtifact(policy: Policy, name: string, artifactPath: string, options: ReleaseArtifactOptions = {}): Promise<{ rootDigest: string }> {
  const graph = await verifyLineage(artifactPath, policy, { name, attestations: options.attestations, now: options.now, expectDigest: options.expectDigest });
  return { rootDigest: graph.digest };
}
