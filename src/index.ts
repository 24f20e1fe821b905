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
export { buildOmsStatement, parseOmsStatement, parseStatement, serializeStatement, OMS_PREDICATE_TYPE, STATEMENT_TYPE_V1, type Statement } from './statement';
