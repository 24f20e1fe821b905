/** The parts of the CycloneDX 1.6 JSON model that modelseal writes (not the whole standard). */

export type CdxHashAlg = 'SHA-256' | 'BLAKE2b-512' | 'BLAKE3';

export interface CdxHash {
  alg: CdxHashAlg;
  content: string;
}

export interface CdxProperty {
  name: string;
  value: string;
}

export type CdxExternalReferenceType = 'digital-signature' | 'attestation' | 'source-distribution';

export interface CdxExternalReference {
  type: CdxExternalReferenceType;
  url: string;
  comment?: string;
  hashes?: CdxHash[];
}

export interface CdxComponent {
  type: 'machine-learning-model' | 'data' | 'file' | 'application';
  'bom-ref'?: string;
  name: string;
  version?: string;
  hashes?: CdxHash[];
  pedigree?: { ancestors: CdxComponent[] };
  externalReferences?: CdxExternalReference[];
  modelCard?: { modelParameters: { datasets: Array<{ ref: string }> } };
  data?: Array<{ type: 'dataset'; name: string }>;
  components?: CdxComponent[];
  properties?: CdxProperty[];
}

export interface CdxDependency {
  ref: string;
  dependsOn?: string[];
}

export interface CycloneDxBom {
  $schema: string;
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  serialNumber: string;
  version: number;
  metadata: {
    timestamp: string;
    tools: { components: CdxComponent[] };
    component: CdxComponent;
    properties?: CdxProperty[];
  };
  components: CdxComponent[];
  dependencies: CdxDependency[];
}
