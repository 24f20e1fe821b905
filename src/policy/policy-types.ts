import type { PublicKeyInfo } from '../keys/key-types';

/** A trusted signer as the policy names it, with key files already loaded. */
export type TrustedSigner =
  | { name: string; kind: 'key'; keys: PublicKeyInfo[] }
  | { name: string; kind: 'sigstore'; identity: string; issuer: string; identityRegexp: boolean; trustedRoot?: string }
  | { name: string; kind: 'ca'; roots: string; intermediates?: string };

export type LineageRequirement = 'required' | 'optional' | 'none';

/** A required evaluation (canary) attestation: `suite` is `sha256:HEX` of the suite file. */
export interface EvalRequirement {
  suite: string;
  /** Signer names (under `signers`) trusted to run this suite. */
  evaluators: string[];
  /** pass (default): result PASSED; pass-or-warn: PASSED or WARNED. */
  require?: 'pass' | 'pass-or-warn';
}

export interface ArtifactRule {
  /** Glob on the artifact name (`*` within a segment, `**` across segments). */
  name: string;
  signers: string[];
  kinds?: string[];
  builders?: string[];
  lineage: LineageRequirement;
  roots?: string[];
  maxDepth?: number;
  evals?: EvalRequirement[];
}

export interface ChannelRule {
  signers: string[];
  threshold: number;
}

export interface Policy {
  /** The policy file it was loaded from (paths inside it are relative to its folder). */
  file?: string;
  signers: Map<string, TrustedSigner>;
  artifacts: ArtifactRule[];
  channels: Map<string, ChannelRule>;
}
