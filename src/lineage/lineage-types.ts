import type { Manifest } from '../digest/manifest';
import type { EvalCheck } from '../eval/check-eval';
import type { BuildKind, DependencyRole } from '../statement/provenance';

export interface LineageOptions {
  /** The name that selects the policy rule (default: the signed subject name). Never identity. */
  name?: string;
  /** Verify the lineage even if the rule does not require it (`verify --lineage`). */
  lineage?: boolean;
  /** Plain folders of signature/provenance bundles, indexed by subject digest. */
  attestations?: string[];
  /** Artifact folders/files used together with this one (a base, a dataset); each must be part of the verified lineage. */
  with?: string[];
  /** The artifact's signature file (default `<dir>/model.sig` or `<file>.sig`). */
  signature?: string;
  /** The artifact's provenance file (default `<dir>/provenance.sig` or `<file>.provenance.sig`). */
  provenance?: string;
  /** Evaluation attestations for the artifact (default `<dir>/eval.sig` or `<file>.eval.sig`), checked when its rule requires evals. */
  evals?: string[];
  /** The time expiry is judged at (default now). */
  now?: Date;
  /** Called with the digest the artifact claims, before anything is hashed; throws to refuse it (a release record binding another). */
  expectDigest?: (digest: string) => void;
}

export interface NodeSigner {
  signer: string;
  evidence: 'signature' | 'provenance';
  file: string;
  /** SHA-256 of the signature/provenance file's bytes as verified. */
  fileSha256: string;
  keyHint?: string;
}

export interface NodeDependency {
  role: DependencyRole;
  sha256: string;
  name?: string;
  uri?: string;
}

export type NodeStatus = 'verified' | 'failed' | 'pending';

export interface LineageNode {
  /** Lowercase hex SHA-256: the artifact's OMS root digest, its only identity. */
  digest: string;
  /** Informational: the signed subject name (or the name the parent's provenance gives). */
  name: string;
  role: 'artifact' | 'base_model' | 'dataset';
  /** The files that were checked against the digest, if the artifact was given as files. */
  path?: string;
  /**
   * Whether files were compared with a signed manifest (names and digests). False: the
   * node is known by its digest alone (no files at hand), which is all its check covers.
   */
  filesChecked: boolean;
  /** The policy rule (its name glob) the node was judged by, if any. */
  rule?: string;
  kind?: BuildKind;
  builderId?: string;
  signers: NodeSigner[];
  /** Signed by a signer the policy trusts as a lineage root: the path ends here. */
  trustedRoot: boolean;
  /** Whether its provenance dependencies were followed. */
  followed: boolean;
  status: NodeStatus;
  error?: { code: string; message: string };
  /**
   * The per-file digests behind `digest`, when known: the manifest of an accepted
   * signature, or else the one computed from the files given (same root digest).
   * Not enumerable, so JSON output leaves it out.
   */
  manifest?: Manifest;
  /** base_model and dataset dependencies (followed), by digest. */
  dependencies: NodeDependency[];
  /** Sources and pinned parent attestations (recorded, not followed). */
  references: NodeDependency[];
  notes: string[];
}

export interface LineageGraph {
  artifact: string;
  /** The digest of the artifact verified (first node). */
  digest: string;
  name: string;
  rule: string;
  /** Every node once, the artifact first; edges are `dependencies[].sha256`. */
  nodes: LineageNode[];
  /** Attestation-folder files that were not usable bundles. */
  skipped: Array<{ file: string; reason: string }>;
  /** The evaluation attestations the artifact's rule required, as checked. */
  evals?: EvalCheck[];
}

export interface LineageEvaluation {
  ok: boolean;
  graph: LineageGraph;
  error?: import('../errors').ModelsealError;
}
