/**
 * `modelseal/digest`: the hashing engine, root digests, partial manifests for fleets of workers.
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as DigestManifest from '../digest/manifest';
import type * as DigestArtifact from '../digest-artifact';
import type * as DigestPartition from '../digest/partition';
import type * as StatementPartialManifest from '../statement/partial-manifest';
import type * as DigestProgressScope from '../digest/progress-scope';
import type * as DigestIgnore from '../digest/ignore';

export type { Manifest, ResourceDigest, Serialization, DigestOptions, ProgressEvent, SerializationMethod } from '../digest/manifest';
export declare const computeManifest: typeof DigestManifest.computeManifest;
export declare const rootDigestOf: typeof DigestManifest.rootDigestOf;
export declare const resourceCount: typeof DigestManifest.resourceCount;
export declare const DEFAULT_SHARD_SIZE: typeof DigestManifest.DEFAULT_SHARD_SIZE;
export declare const digestArtifact: typeof DigestArtifact.digestArtifact;
export declare const digestPart: typeof DigestArtifact.digestPart;
export type { Part } from '../digest/partition';
export declare const parsePart: typeof DigestPartition.parsePart;
export declare const partSlice: typeof DigestPartition.partSlice;
export type { PartialManifest } from '../statement/partial-manifest';
export declare const readPartialManifest: typeof StatementPartialManifest.readPartialManifest;
export declare const serializePartialManifest: typeof StatementPartialManifest.serializePartialManifest;
export type { ProgressSink } from '../digest/progress-scope';
export declare const withProgressScope: typeof DigestProgressScope.withProgressScope;
export type { ResolvedIgnorePaths } from '../digest/ignore';
export declare const resolveIgnorePathsFromCwd: typeof DigestIgnore.resolveIgnorePathsFromCwd;
export declare const DEFAULT_IGNORES: typeof DigestIgnore.DEFAULT_IGNORES;
export type { HashAlgorithm } from '../digest/algorithms';

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.computeManifest = exports.rootDigestOf = exports.resourceCount = exports.DEFAULT_SHARD_SIZE = exports.digestArtifact = exports.digestPart = exports.parsePart = exports.partSlice = exports.readPartialManifest = exports.serializePartialManifest = exports.withProgressScope = exports.resolveIgnorePathsFromCwd = exports.DEFAULT_IGNORES = undefined;
lazyExports(exports, () => require('../digest/manifest') as typeof DigestManifest, ['computeManifest', 'rootDigestOf', 'resourceCount', 'DEFAULT_SHARD_SIZE']);
lazyExports(exports, () => require('../digest-artifact') as typeof DigestArtifact, ['digestArtifact', 'digestPart']);
lazyExports(exports, () => require('../digest/partition') as typeof DigestPartition, ['parsePart', 'partSlice']);
lazyExports(exports, () => require('../statement/partial-manifest') as typeof StatementPartialManifest, ['readPartialManifest', 'serializePartialManifest']);
lazyExports(exports, () => require('../digest/progress-scope') as typeof DigestProgressScope, ['withProgressScope']);
lazyExports(exports, () => require('../digest/ignore') as typeof DigestIgnore, ['resolveIgnorePathsFromCwd', 'DEFAULT_IGNORES']);
