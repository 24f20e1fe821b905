export { verifyArtifact, type VerifyOptions, type VerifyResult } from './verify-artifact';
export { verifyEnvelope } from './dsse-verify';
export { diffResources, describeDiff, type ManifestDiff, type ChangedResource } from './compare';
