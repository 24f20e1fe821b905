/**
 * `modelseal/lock`: lock files: artifact names pinned to verified digests and signers.
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as LockLockArtifact from '../lock/lock-artifact';
import type * as LockVerifyLocked from '../lock/verify-locked';
import type * as LockLockFile from '../lock/lock-file';
import type * as LockLockTypes from '../lock/lock-types';

export type { LockArtifactOptions, LockArtifactResult } from '../lock/lock-artifact';
export declare const lockArtifact: typeof LockLockArtifact.lockArtifact;
export type { VerifyLockedOptions, LockedResult, LockVerifyOutcome } from '../lock/verify-locked';
export declare const verifyLocked: typeof LockVerifyLocked.verifyLocked;
export declare const verifyLockFile: typeof LockVerifyLocked.verifyLockFile;
export declare const readLockFile: typeof LockLockFile.readLockFile;
export declare const serializeLockFile: typeof LockLockFile.serializeLockFile;
export type { LockFile, LockEntry, LockSigner } from '../lock/lock-types';
export declare const LOCK_FILE_NAME: typeof LockLockTypes.LOCK_FILE_NAME;

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.lockArtifact = exports.verifyLocked = exports.verifyLockFile = exports.readLockFile = exports.serializeLockFile = exports.LOCK_FILE_NAME = undefined;
lazyExports(exports, () => require('../lock/lock-artifact') as typeof LockLockArtifact, ['lockArtifact']);
lazyExports(exports, () => require('../lock/verify-locked') as typeof LockVerifyLocked, ['verifyLocked', 'verifyLockFile']);
lazyExports(exports, () => require('../lock/lock-file') as typeof LockLockFile, ['readLockFile', 'serializeLockFile']);
lazyExports(exports, () => require('../lock/lock-types') as typeof LockLockTypes, ['LOCK_FILE_NAME']);
