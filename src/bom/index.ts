export { buildMlBom, serializeMlBom, bomRefOf, CYCLONEDX_SPEC_VERSION, type MlBomOptions } from './ml-bom';
export { exportMlBom, type ExportMlBomOptions } from './export-ml-bom';
export type { CycloneDxBom, CdxComponent, CdxDependency, CdxExternalReference, CdxHash, CdxProperty } from './cyclonedx-types';
