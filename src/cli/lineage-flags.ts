import * as Flags from '@oclif/core/flags';
import type { LineageGraph } from '../api/lineage';

/** Flags shared by `verify --policy` and `lineage`. */
export const lineageFlags = {
  attestations: Flags.string({ description: 'A folder of signature/provenance bundles, looked up by subject digest (repeatable).', multiple: true }),
  with: Flags.string({ description: 'An artifact used together with this one (e.g. the base model); it must be the one bound by digest (repeatable).', multiple: true }),
  name: Flags.string({ description: 'The name that selects the policy rule (default: the signed subject name). Only selects a rule: identity is the digest.' }),
  eval: Flags.string({ description: 'An evaluation attestation for the artifact, checked when its policy rule requires evals (repeatable; default <dir>/eval.sig or <file>.eval.sig).', multiple: true }),
  provenance: Flags.string({ description: 'The artifact\'s provenance file (default: <dir>/provenance.sig, or <file>.provenance.sig).' }),
};

/** The JSON form of a lineage graph for --json output. */
export function graphJson(graph: LineageGraph): Record<string, unknown> {
  return {
    artifact: graph.artifact,
    name: graph.name,
    digest: graph.digest ? `sha256:${graph.digest}` : undefined,
    rule: graph.rule || undefined,
    nodes: graph.nodes.map((n) => ({ ...n, digest: `sha256:${n.digest}`, dependencies: n.dependencies.map((d) => ({ ...d, sha256: undefined, digest: `sha256:${d.sha256}` })), references: n.references.map((d) => ({ ...d, sha256: undefined, digest: `sha256:${d.sha256}` })) })),
    ...(graph.skipped.length ? { skipped: graph.skipped } : {}),
    ...(graph.evals ? { evals: graph.evals } : {}),
  };
}
