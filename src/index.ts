/**
 * modelseal's library API: what loaders, update systems and CI scripts call.
 * Every function throws a ModelsealError with a stable `code` on refusal.
 */
export { ModelsealError, ERROR_CODES, exitCodeFor, isRefusal, EXIT_OK, EXIT_REFUSED, EXIT_INPUT, type ErrorCode } from './errors';

// Digests
export { computeManifest, rootDigestOf, DEFAULT_SHARD_SIZE, type Manifest, type ResourceDigest, type Serialization, type DigestOptions, type ProgressEvent, type SerializationMethod } from './digest/manifest';
export { digestArtifact } from './digest-artifact';
export type { HashAlgorithm } from './digest/algorithms';

// Keys
export { generateKeyPair, loadPrivateKey, loadPublicKey, parsePrivateKey, parsePublicKey, keyHint, KEY_TYPES, type KeyType, type PublicKeyInfo, type PrivateKeyInfo } from './keys';
export { writeKeyPair } from './keys/write';

// Signing and verification
export { signArtifact, signStatementWithKey, defaultSignaturePath, type SignOptions, type SignResult } from './sign';
export { verifyArtifact, type VerifyOptions, type VerifyResult, type ManifestDiff } from './verify';

// Formats
export { readBundle, parseBundle, preAuthEncoding, IN_TOTO_PAYLOAD_TYPE, BUNDLE_MEDIA_TYPE, type SignatureBundle, type DsseEnvelope } from './envelope';
export { buildOmsStatement, parseOmsStatement, parseStatement, serializeStatement, OMS_PREDICATE_TYPE, STATEMENT_TYPE_V1, type Statement } from './statement';

// Policy
export { loadPolicy, parsePolicy, type Policy, type TrustedSigner, type ArtifactRule, type ChannelRule } from './policy';

// Load-time verification
export { openVerified, readVerified, type LoadOptions, type VerifiedManifest } from './load/verified-read';
export { scanPath, type ScanResult, type FileScan } from './load/scan-path';
export { scanPickle, isDangerousGlobal, PickleError, type PickleScan, type PickleImport } from './load/pickle-scan';
export { checkSafetensorsHeader, SafetensorsError, type SafetensorsInfo } from './load/safetensors';
export { analyzeFile, type FileAnalysis, type FileFormat } from './load/file-format';
export { pickleAllowedBy } from './load/policy-allowance';

// Release records and the update gate
export { Gate, createRelease, signReleaseFile, readReleaseEnvelope, readState, RELEASE_PREDICATE_TYPE, type GateOptions, type GateDecision, type ReleaseRecord, type GateState } from './gate';
