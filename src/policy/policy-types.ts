import type { PublicKeyInfo } from '../keys/key-types';

/** A trusted signer as the policy names it, with key files already loaded. */
export type TrustedSigner =
  | { name: string; kind: 'key'; keys: PublicKeyInfo[] }
  | { name: string; kind: 'sigstore'; identity: string; issuer: string; identityRegexp: boolean; trustedRoot?: string }
  | { name: string; kind: 'ca'; roots: string; intermediates?: string };

export type LineageRequirement = 'required' | 'optional' | 'none';

export interface ArtifactRule {
  /** Glob on the artifact name (`*` within a segment, `**` across segments). */
  name: string;
  signers: string[];
  kinds?: string[];
  builders?: string[];
  lineage: LineageRequirement;
  roots?: string[];
  maxDepth?: number;
  /** Loaders may read this artifact's pickle-based files (dangerous pickles stay refused). */
  allowPickle?: boolean;
}

export interface ChannelRule {
  signers: string[];
  threshold: number;
  /** Longest allowed time from the gate's check to a record's expiry, e.g. `30d`. */
  maxExpiry?: string;
}

export interface Policy {
  /** The policy file it was loaded from (paths inside it are relative to its folder). */
  file?: string;
  signers: Map<string, TrustedSigner>;
  artifacts: ArtifactRule[];
  channels: Map<string, ChannelRule>;
}
