import type { PublicKeyInfo } from '../keys/key-types';
import type { BuildKind } from '../statement/provenance';

/** A trusted signer as the policy names it, with key files already loaded. */
export type PolicySigner =
  | { name: string; kind: 'key'; keys: PublicKeyInfo[] }
  | { name: string; kind: 'sigstore'; identity: string; issuer: string; identityRegexp: boolean; trustedRoot?: string }
  | { name: string; kind: 'ca'; roots: string; intermediates?: string; validAtNotBefore?: boolean };

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
  /** Glob on the artifact name (`*` within a segment, `**` across segments, `?` one character). */
  name: string;
  /** Signers that may sign or attest an artifact this rule matches. */
  signers: string[];
  /** Allowed provenance kinds (unset: any). */
  kinds?: BuildKind[];
  /** Allowed `runDetails.builder.id` values, exact match (unset: any). */
  builders?: string[];
  lineage: LineageRequirement;
  /** Signers trusted as lineage roots when an artifact matching this rule is verified. */
  roots?: string[];
  /** Longest dependency path followed (default DEFAULT_MAX_DEPTH). */
  maxDepth?: number;
  evals?: EvalRequirement[];
  /** Provenance older than this (by finishedOn) is refused. */
  maxAgeDays?: number;
  /** Loaders may read this artifact's pickle-based files (dangerous pickles stay refused). */
  allowPickle?: boolean;
  /** Globals added to the load-time pickle allowlist by exact name (src/load). */
  allowGlobals?: string[];
}

export const DEFAULT_MAX_DEPTH = 16;
/** How far a provenance time may lie in the future (clocks of builders and verifiers differ). */
export const DEFAULT_CLOCK_SKEW_SECONDS = 300;

export interface ChannelRule {
  signers: string[];
  threshold: number;
  /** Longest allowed time from the gate's check to a record's expiry, e.g. `30d`. */
  maxExpiry?: string;
}

export interface Policy {
  /** The policy file it was loaded from (paths inside it are relative to its folder). */
  file?: string;
  signers: Map<string, PolicySigner>;
  artifacts: ArtifactRule[];
  channels: Map<string, ChannelRule>;
  /** How far provenance times may lie ahead of the verifier's clock (default DEFAULT_CLOCK_SKEW_SECONDS). */
  clockSkewSeconds?: number;
}
