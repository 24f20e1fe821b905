export { Gate, type GateOptions, type GateDecision } from './gate';
export { createRelease, signReleaseFile, type CreateReleaseOptions, type ReleaseResult } from './create-release';
export { RELEASE_PREDICATE_TYPE, buildReleaseStatement, parseReleaseStatement, parseExpiry, type ReleaseRecord, type ReleaseArtifact } from './release-record';
export { readReleaseEnvelope, parseReleaseEnvelope, serializeReleaseEnvelope, signReleaseStatement, addReleaseSignature, verifiedSigners } from './release-envelope';
export { releaseArtifactDigest, releaseNameOf } from './release-artifacts';
export { verifyReleaseArtifact } from './artifact-check';
export { readState, STATE_FILE, STATE_FORMAT, type GateState, type ChannelState, type HistoryEntry } from './gate-state';
