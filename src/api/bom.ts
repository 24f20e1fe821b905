/**
 * `modelseal/bom`: CycloneDX 1.6 ML-BOMs of a verified lineage.
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as BomMlBom from '../bom/ml-bom';
import type * as BomExportMlBom from '../bom/export-ml-bom';

export type { MlBomOptions } from '../bom/ml-bom';
export declare const buildMlBom: typeof BomMlBom.buildMlBom;
export declare const serializeMlBom: typeof BomMlBom.serializeMlBom;
export declare const bomRefOf: typeof BomMlBom.bomRefOf;
export declare const CYCLONEDX_SPEC_VERSION: typeof BomMlBom.CYCLONEDX_SPEC_VERSION;
export type { ExportMlBomOptions } from '../bom/export-ml-bom';
export declare const exportMlBom: typeof BomExportMlBom.exportMlBom;
export type { CycloneDxBom, CdxComponent, CdxDependency, CdxExternalReference, CdxHash, CdxProperty } from '../bom/cyclonedx-types';

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.buildMlBom = exports.serializeMlBom = exports.bomRefOf = exports.CYCLONEDX_SPEC_VERSION = exports.exportMlBom = undefined;
lazyExports(exports, () => require('../bom/ml-bom') as typeof BomMlBom, ['buildMlBom', 'serializeMlBom', 'bomRefOf', 'CYCLONEDX_SPEC_VERSION']);
lazyExports(exports, () => require('../bom/export-ml-bom') as typeof BomExportMlBom, ['exportMlBom']);
