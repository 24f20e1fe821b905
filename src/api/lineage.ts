/**
 * `modelseal/lineage`: provenance dependencies followed by digest up to the policy's trusted roots.
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as LineageVerifyLineage from '../lineage/verify-lineage';
import type * as LineageRenderTree from '../lineage/render-tree';

export declare const verifyLineage: typeof LineageVerifyLineage.verifyLineage;
export declare const evaluateLineage: typeof LineageVerifyLineage.evaluateLineage;
export declare const renderLineageTree: typeof LineageRenderTree.renderLineageTree;
export type { LineageGraph, LineageNode, LineageOptions, LineageEvaluation, NodeSigner, NodeDependency, NodeStatus } from '../lineage/lineage-types';

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.verifyLineage = exports.evaluateLineage = exports.renderLineageTree = undefined;
lazyExports(exports, () => require('../lineage/verify-lineage') as typeof LineageVerifyLineage, ['verifyLineage', 'evaluateLineage']);
lazyExports(exports, () => require('../lineage/render-tree') as typeof LineageRenderTree, ['renderLineageTree']);
