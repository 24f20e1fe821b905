import { ModelsealError } from './errors';
import type { PublicKeyInfo } from './keys/key-types';
import type { LineageGraph, LineageOptions } from './lineage/lineage-types';
import type { Policy } from './policy/policy-types';
import type { LoadedTrustedRoot } from './verify/trust-root';
import type { TrustedSigner } from './verify/trusted-signer';
import { verifyArtifact as verifyWithSigners, type VerifyOptions as SignerVerifyOptions, type VerifyResult as SignerResult } from './verify/verify-artifact';

/** Trust by signers: public keys, Sigstore identities or X.509 CA roots (`verify --key/--identity/--ca-roots`). */
export interface SignersTrust {
  /** Trusted public keys (loaded keys or PEM file paths); any one of them may have signed. */
  keys?: SignerVerifyOptions['keys'];
  /** Trusted signers of any kind (`{ kind: 'key' | 'sigstore' | 'ca', ... }`), in addition to `keys`. */
  signers?: readonly TrustedSigner[];
  policy?: never;
}

/** Trust by policy (`verify --policy`): the rule matching the artifact's name says who may sign it and whether its lineage is verified. */
export interface PolicyTrust {
  /** A loaded policy (`loadPolicy` of `modelseal/policy`) or the path of a policy file. */
  policy: Policy | string;
  keys?: never;
  signers?: never;
}

/** What verifyArtifact checks besides trust, per artifact, when trusting signers. */
export type SignerCheckOptions = Omit<SignerVerifyOptions, 'keys' | 'signers'>;
/** What verifyArtifact checks besides trust, per artifact, under a policy (lineage included). */
export type PolicyCheckOptions = LineageOptions;

/** Options of verifyArtifact with signers: whom to trust and what to check. */
export type SignersVerifyOptions = SignersTrust & SignerCheckOptions;
/** Options of verifyArtifact with a policy. */
export type PolicyVerifyOptions = PolicyTrust & PolicyCheckOptions;
/** Options of verifyArtifact: trusted signers or a policy (exactly one of the two). */
export type VerifyOptions = SignersVerifyOptions | PolicyVerifyOptions;

/** The result of a verification under a policy. */
export interface PolicyVerifyResult {
  verified: true;
  trust: 'policy';
  artifact: string;
  /** The artifact's OMS root digest (hex). */
  rootDigest: string;
  /** The name that selected the rule. */
  name: string;
  /** The rule (its name glob) the artifact was judged by. */
  rule: string;
  /** Whether provenance dependencies were followed to the policy's roots. */
  lineageVerified: boolean;
  /** The policy file, if the policy came from one. */
  policy?: string;
  /** Every artifact verified, the artifact first (see docs/lineage.md). */
  graph: LineageGraph;
}

/** The result of a verification with trusted signers: what was signed, by whom, and what was checked. */
export type VerifyResult = SignerResult & { trust: 'signers' };

/** Either result; `trust` tells them apart. */
export type Verification = VerifyResult | PolicyVerifyResult;

const SIGNER_ONLY = ['ignorePaths', 'ignoreUnsignedFiles', 'noDefaultIgnores', 'part', 'threads', 'onProgress'] as const;

function policyOf(policy: Policy | string): Policy {
  if (typeof policy !== 'string') return policy;
  // YAML and JSON Schema load only when a policy is given (issue 16).
  const { loadPolicy } = require('./policy/load-policy') as typeof import('./policy/load-policy');
  return loadPolicy(policy);
}

async function withSigners(artifact: string, options: SignerVerifyOptions): Promise<VerifyResult> {
  return { ...(await verifyWithSigners(artifact, options)), trust: 'signers' };
}

async function verifyWithPolicy(artifact: string, policy: Policy, options: PolicyCheckOptions): Promise<PolicyVerifyResult> {
  // Checked here, for verifyArtifact and a policy verifier alike: the policy's evaluator would not heed them.
  for (const o of SIGNER_ONLY) if ((options as Record<string, unknown>)[o] !== undefined) throw new ModelsealError('USAGE_ERROR', `${o} cannot be used with a policy`);
  const { verifyLineage } = require('./lineage/verify-lineage') as typeof import('./lineage/verify-lineage');
  const graph = await verifyLineage(artifact, policy, options);
  return {
    verified: true,
    trust: 'policy',
    artifact: graph.artifact,
    rootDigest: graph.digest,
    name: graph.name,
    rule: graph.rule,
    lineageVerified: graph.nodes[0].followed,
    ...(policy.file !== undefined ? { policy: policy.file } : {}),
    graph,
  };
}

function checkTrust(options: { keys?: unknown; signers?: unknown; policy?: unknown } & Record<string, unknown>): void {
  if (options.policy === undefined) return;
  if (options.keys !== undefined || options.signers !== undefined) {
    throw new ModelsealError('USAGE_ERROR', 'give trusted signers (keys, signers) or a policy, not both: the policy says whom to trust');
  }
}

/**
 * Verifies an artifact against its signature before anything uses it: with trusted
 * signers (keys, Sigstore identities, CA roots; any one may have signed) or with a policy
 * (the rule for the artifact's name, and its lineage when the rule or `lineage: true` asks).
 * Resolves only if everything checks out; otherwise throws a ModelsealError with a stable code.
 */
export function verifyArtifact(artifact: string, options: SignersVerifyOptions): Promise<VerifyResult>;
export function verifyArtifact(artifact: string, options: PolicyVerifyOptions): Promise<PolicyVerifyResult>;
export function verifyArtifact(artifact: string, options: VerifyOptions): Promise<Verification>;
export async function verifyArtifact(artifact: string, options: VerifyOptions): Promise<Verification> {
  checkTrust(options as Record<string, unknown>);
  if (options.policy !== undefined) {
    const { policy, ...check } = options;
    return verifyWithPolicy(artifact, policyOf(policy), check);
  }
  return withSigners(artifact, options as SignerVerifyOptions);
}

/** A verifier with its trust material loaded once: keys parsed, trusted roots read, the policy loaded. */
export interface Verifier<R extends Verification = Verification, O = SignerCheckOptions | PolicyCheckOptions> {
  /** Verifies one artifact with this verifier's trust (options say what else to check). */
  verify(artifact: string, options?: O): Promise<R>;
}

function loadedSigner(s: TrustedSigner, roots: Map<string, LoadedTrustedRoot>): TrustedSigner {
  if (s.kind === 'key' && typeof s.key === 'string') {
    const { loadPublicKey } = require('./keys/load') as typeof import('./keys/load');
    return { ...s, key: loadPublicKey(s.key) };
  }
  if (s.kind === 'sigstore' && typeof s.trustedRoot !== 'object') {
    const { loadTrustedRoot } = require('./verify/trust-root') as typeof import('./verify/trust-root');
    const key = s.trustedRoot ?? '';
    if (!roots.has(key)) roots.set(key, loadTrustedRoot(s.trustedRoot));
    return { ...s, trustedRoot: roots.get(key)! };
  }
  return s;
}

function keysOf(keys: SignersTrust['keys']): Array<PublicKeyInfo | string> {
  return keys === undefined ? [] : Array.isArray(keys) ? [...keys] : [keys as PublicKeyInfo | string];
}

/**
 * A reusable verifier (sigstore-js's `createVerifier`): give the trust once, verify many
 * artifacts. Key files, Sigstore trusted roots and the policy are read and checked here,
 * so a bad trust input fails at creation, and each `verify` only reads the artifact.
 */
export function createVerifier(trust: SignersTrust): Verifier<VerifyResult, SignerCheckOptions>;
export function createVerifier(trust: PolicyTrust): Verifier<PolicyVerifyResult, PolicyCheckOptions>;
export function createVerifier(trust: SignersTrust | PolicyTrust): Verifier;
export function createVerifier(trust: SignersTrust | PolicyTrust): Verifier {
  checkTrust(trust as Record<string, unknown>);
  const perCall = (options: object = {}) => {
    for (const k of ['keys', 'signers', 'policy']) {
      if ((options as Record<string, unknown>)[k] !== undefined) throw new ModelsealError('USAGE_ERROR', `${k} is the verifier's trust, given to createVerifier; not to verify`);
    }
    return options;
  };
  if (trust.policy !== undefined) {
    const policy = policyOf(trust.policy);
    return { verify: (artifact, options) => verifyWithPolicy(artifact, policy, perCall(options) as PolicyCheckOptions) };
  }
  const roots = new Map<string, LoadedTrustedRoot>();
  const signers = [...keysOf(trust.keys).map((key) => ({ kind: 'key' as const, key })), ...(trust.signers ?? [])].map((s) => loadedSigner(s, roots));
  if (signers.length === 0) throw new ModelsealError('USAGE_ERROR', 'no trusted signer was given (a public key, a Sigstore identity and issuer, or CA roots)');
  return { verify: (artifact, options) => withSigners(artifact, { ...(perCall(options) as SignerCheckOptions), signers }) };
}
