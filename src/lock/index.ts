export * from './lock-types';
export { readLockFile, parseLockFile, serializeLockFile, resolveLockPath } from './lock-file';
export { lockArtifact, type LockArtifactOptions, type LockArtifactResult } from './lock-artifact';
export { verifyLocked, verifyLockFile, type VerifyLockedOptions, type LockedResult, type LockVerifyOutcome } from './verify-locked';
