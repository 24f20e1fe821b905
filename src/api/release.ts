/**
 * `modelseal/release`: release records for the update gate: create, sign, co-sign and read them.
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as GateCreateRelease from '../gate/create-release';
import type * as GateReleaseEnvelope from '../gate/release-envelope';
import type * as GateReleaseRecord from '../gate/release-record';

export type { CreateReleaseOptions, ReleaseResult, ReleaseSigning } from '../gate/create-release';
export type { ReleaseEnvelope } from '../gate/release-envelope';
export declare const createRelease: typeof GateCreateRelease.createRelease;
export declare const signReleaseFile: typeof GateCreateRelease.signReleaseFile;
export declare const readReleaseEnvelope: typeof GateReleaseEnvelope.readReleaseEnvelope;
export type { ReleaseRecord, ReleaseArtifact } from '../gate/release-record';
export declare const RELEASE_PREDICATE_TYPE: typeof GateReleaseRecord.RELEASE_PREDICATE_TYPE;

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.createRelease = exports.signReleaseFile = exports.readReleaseEnvelope = exports.RELEASE_PREDICATE_TYPE = undefined;
lazyExports(exports, () => require('../gate/create-release') as typeof GateCreateRelease, ['createRelease', 'signReleaseFile']);
lazyExports(exports, () => require('../gate/release-envelope') as typeof GateReleaseEnvelope, ['readReleaseEnvelope']);
lazyExports(exports, () => require('../gate/release-record') as typeof GateReleaseRecord, ['RELEASE_PREDICATE_TYPE']);
