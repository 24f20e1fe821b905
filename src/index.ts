/**
 * modelseal's library API: what loaders, update systems and CI scripts call.
 * Every function throws a ModelsealError with a stable `code` on refusal.
 */
export { ModelsealError, ERROR_CODES, exitCodeFor, isRefusal, EXIT_OK, EXIT_REFUSED, EXIT_INPUT, type ErrorCode } from './errors';

// Digests
export { computeManifest, rootDigestOf, DEFAULT_SHARD_SIZE, type Manifest, type ResourceDigest, type Serialization, type DigestOptions, type ProgressEvent, type SerializationMethod } from './digest/manifest';
export { digestArtifact, digestPart } from './digest-artifact';
export { parsePart, partSlice, type Part } from './digest/partition';
export { signFromManifests, type FromManifestResult } from './sign/from-manifest';
export { readPartialManifest, serializePartialManifest, type PartialManifest } from './statement/partial-manifest';
export { withProgressScope, type ProgressSink } from './digest/progress-scope';
export type { HashAlgorithm } from './digest/algorithms';

// Keys
export { generateKeyPair, loadPrivateKey, loadPublicKey, parsePrivateKey, parsePublicKey, keyHint, KEY_TYPES, type KeyType, type PublicKeyInfo, type PrivateKeyInfo } from './keys';
export { resolveSigningKey, resolvePublicKey, type SigningKey, type ExternalKey } from './keys';
export { writeKeyPair } from './keys/write';

// Signing and verification
export { signArtifact, signStatementWithKey, signStatementCose, defaultSignaturePath, defaultProvenancePath, type SignOptions, type SignResult, type SignatureFormat } from './sign';
export { attestArtifact, type AttestOptions, type AttestResult, type AttestWarning } from './sign/attest-artifact';
export { verifyArtifact, type VerifyOptions, type VerifyResult, type ManifestDiff } from './verify';

// Certificates and Sigstore keyless (issue 4)
export { verifyBundleSigners, type TrustedSigner, type VerifiedSigner, type SigningMethod } from './verify/trusted-signer';
export { trustedSignersFromFlags } from './verify/signers-from-flags';
export type { Matcher, IdentityMatcher } from './verify/identity-match';
export { loadTrustedRoot, defaultTrustedRootPath, SHIPPED_TRUSTED_ROOT, type LoadedTrustedRoot } from './verify/trust-root';
export { updateTrustedRoot, type TrustUpdateOptions, type TrustUpdateResult } from './verify/trust-update';
export { loadCertificates } from './verify/certificates';
export { verifyCertificatePath, type CaTrust, type CertificatePath } from './verify/certificate-verify';
export { signStatementWithCertificate, type CertificateMaterial } from './sign/certificate-signer';
export { sigstoreSignPayload, type SigstoreSignOptions } from './sign/sigstore-signer';
export { resolveIdentityToken } from './sign/identity-token';

// Formats
export { readBundle, parseBundle, preAuthEncoding, IN_TOTO_PAYLOAD_TYPE, BUNDLE_MEDIA_TYPE, type SignatureBundle, type DsseEnvelope } from './envelope';
export { parseCoseSign1, checkStrictCbor, COSE_ALG, COSE_SIGN1_TAG, type CoseSign1, type CoseClaims } from './envelope/cose';
export { verifyCoseSign1 } from './verify/cose-verify';
export { verifySignatureFile, type VerifiedSignature } from './verify/signature-file';
export { buildOmsStatement, parseOmsStatement, parseStatement, serializeStatement, OMS_PREDICATE_TYPE, STATEMENT_TYPE_V1, type Statement } from './statement';
export { buildProvenanceStatement, parseProvenance, buildTypeFor, kindOfBuildType, BUILD_KINDS, SLSA_PROVENANCE_V1, DEFAULT_BUILDER_ID, type BuildKind, type Dependency, type DependencyRole, type Provenance, type ProvenanceInput, type ProvenancePredicate } from './statement/provenance';

// Policy
export { loadPolicy, parsePolicy, findRule, ruleFor, verifyBundleAgainstSigners, type Policy, type PolicySigner, type ArtifactRule, type ChannelRule, type SignerMatch } from './policy';

// Lineage
export { verifyLineage, evaluateLineage, renderLineageTree, type LineageGraph, type LineageNode, type LineageOptions, type LineageEvaluation } from './lineage';

// Lock files, name guard, evaluation attestations
export { lockArtifact, verifyLocked, verifyLockFile, readLockFile, serializeLockFile, LOCK_FILE_NAME, type LockFile, type LockEntry, type LockSigner, type LockedResult, type LockVerifyOutcome, type VerifyLockedOptions, type LockArtifactOptions } from './lock';
export { checkName, nearNameRefusal, describeMatch, type NameCheck, type NameMatch, type NameReason, type CheckNameOptions } from './guard';
export { attestEval, checkEvalRequirements, readEvalResults, suiteDigest, type AttestEvalOptions, type AttestEvalResult, type EvalCheck, type CheckEvalOptions } from './eval';
export { buildEvalStatement, parseEvalStatement, TEST_RESULT_PREDICATE_TYPE, type TestResultPredicate } from './statement/test-result';
export { defaultEvalSignaturePath } from './sign/signature-path';
export type { EvalRequirement } from './policy';

// CycloneDX ML-BOM of a verified lineage
export { buildMlBom, exportMlBom, serializeMlBom, bomRefOf, CYCLONEDX_SPEC_VERSION, type MlBomOptions, type ExportMlBomOptions, type CycloneDxBom, type CdxComponent } from './bom';

// Load-time verification
export { openVerified, readVerified, type LoadOptions, type VerifiedManifest } from './load/verified-read';
export { scanPath, type ScanResult, type FileScan } from './load/scan-path';
export { scanPickle, isDangerousGlobal, verdictOf, type PickleScan, type PickleGlobal, type Finding, type FindingCode, type Verdict } from './load/pickle-scan';
export { DEFAULT_ALLOWED_GLOBALS } from './load/pickle-allowlist';
export { checkSafetensorsHeader, SafetensorsError, type SafetensorsInfo } from './load/safetensors';
export { analyzeFile, analyzeSource, type FileAnalysis, type FileFormat, type Reason, type ReasonCode } from './load/file-format';
export { pickleAllowedBy, globalsAllowedBy } from './load/policy-allowance';

// Release records and the update gate
export { Gate, createRelease, signReleaseFile, readReleaseEnvelope, readState, RELEASE_PREDICATE_TYPE, type GateOptions, type GateDecision, type ReleaseRecord, type GateState } from './gate';
