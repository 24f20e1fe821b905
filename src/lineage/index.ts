export { evaluateLineage, verifyLineage } from './verify-lineage';
export { renderLineageTree } from './render-tree';
export { indexAttestationFolders, type Evidence, type EvidenceIndex, type WithArtifact } from './evidence';
export type { LineageGraph, LineageNode, LineageOptions, LineageEvaluation, NodeSigner, NodeDependency, NodeStatus } from './lineage-types';
