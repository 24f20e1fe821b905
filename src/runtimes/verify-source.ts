import { ModelsealError } from '../errors';
import type { Manifest } from '../digest/manifest';
import { verifyLineage } from '../lineage/verify-lineage';
import type { LineageGraph, LineageOptions } from '../lineage/lineage-types';
import { loadPolicy } from '../policy/load-policy';
import type { Policy } from '../policy/policy-types';
import { verifyArtifact, type VerifyOptions, type VerifyResult } from '../verify/verify-artifact';

/**
 * Whom to trust for the artifact a runtime helper loads: either trusted signers
 * (verifyArtifact's options: `keys`, `signers`, `signature`, ...) or a policy
 * (a Policy or the path of a policy file), judged by verifyLineage: the rule for the
 * artifact's name decides the signers and whether its lineage must be verified.
 */
export type TrustOptions = VerifyOptions | ({ policy: Policy | string } & LineageOptions);

export interface Verification {
  /** The artifact as given. */
  artifact: string;
  /** The signed manifest every file is read against. */
  manifest: Manifest;
  rootDigest: string;
  /** verifyArtifact's result (signers) or verifyLineage's graph (policy). */
  result: VerifyResult | LineageGraph;
}

export interface RuntimeLoadHooks {
  /**
   * Called once the artifact verified, before any file is read for the runtime
   * (to log who signed it, or to refuse it for a reason of your own by throwing).
   */
  onVerified?: (verification: Verification) => void | Promise<void>;
}

function isPolicyTrust(t: TrustOptions): t is { policy: Policy | string } & LineageOptions {
  return (t as { policy?: unknown }).policy !== undefined;
}

/** Verifies the artifact with the library's own entry points; throws their ModelsealError on refusal. */
export async function verifyForLoad(artifact: string, trust: TrustOptions): Promise<Verification> {
  if (!isPolicyTrust(trust)) {
    const result = await verifyArtifact(artifact, trust);
    return { artifact, manifest: result.manifest, rootDigest: result.rootDigest, result };
  }
  const { policy, ...lineage } = trust;
  for (const k of ['keys', 'signers']) {
    if ((trust as unknown as Record<string, unknown>)[k] !== undefined) throw new ModelsealError('USAGE_ERROR', `give either a policy or ${k}, not both`);
  }
  const graph = await verifyLineage(artifact, typeof policy === 'string' ? loadPolicy(policy) : policy, lineage);
  const top = graph.nodes[0];
  // A provenance alone binds only the root digest, which does not cover file names: the
  // names a runtime asks for must come from a signed manifest.
  if (!top || !top.manifest || !top.signers.some((s) => s.evidence === 'signature')) {
    throw new ModelsealError('POLICY_DENIED', 'no accepted signature lists its files (a provenance alone does not name them); sign it to load it', { file: artifact });
  }
  return { artifact, manifest: top.manifest, rootDigest: top.digest, result: graph };
}
