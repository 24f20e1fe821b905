export { verifyArtifact, type VerifyOptions, type VerifyResult } from './verify-artifact';
export { verifyEnvelope } from './dsse-verify';
export { describeDiff, type ManifestDiff, type ChangedResource } from './compare';
export { matchFiles, type FilesMatch, type MatchOptions } from './match-files';
