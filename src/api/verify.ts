/**
 * `modelseal/verify`: verification below verifyArtifact: one bundle or signature file against trusted signers, and the trust material (Sigstore trusted roots, X.509 CA roots).
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as VerifyTrustedSigner from '../verify/trusted-signer';
import type * as VerifySignatureFile from '../verify/signature-file';
import type * as VerifyCoseVerify from '../verify/cose-verify';
import type * as VerifyTrustRoot from '../verify/trust-root';
import type * as VerifyTrustUpdate from '../verify/trust-update';
import type * as VerifyCertificates from '../verify/certificates';
import type * as VerifyCertificateVerify from '../verify/certificate-verify';

export type { TrustedSigner, VerifiedSigner, SigningMethod } from '../verify/trusted-signer';
export declare const verifyBundleSigners: typeof VerifyTrustedSigner.verifyBundleSigners;
export type { Matcher, IdentityMatcher } from '../verify/identity-match';
export type { VerifiedSignature } from '../verify/signature-file';
export declare const verifySignatureFile: typeof VerifySignatureFile.verifySignatureFile;
export declare const verifyCoseSign1: typeof VerifyCoseVerify.verifyCoseSign1;
export type { LoadedTrustedRoot } from '../verify/trust-root';
export declare const loadTrustedRoot: typeof VerifyTrustRoot.loadTrustedRoot;
export declare const defaultTrustedRootPath: typeof VerifyTrustRoot.defaultTrustedRootPath;
export declare const SHIPPED_TRUSTED_ROOT: typeof VerifyTrustRoot.SHIPPED_TRUSTED_ROOT;
export type { TrustUpdateOptions, TrustUpdateResult } from '../verify/trust-update';
export declare const updateTrustedRoot: typeof VerifyTrustUpdate.updateTrustedRoot;
export declare const loadCertificates: typeof VerifyCertificates.loadCertificates;
export type { CaTrust, CertificatePath } from '../verify/certificate-verify';
export declare const verifyCertificatePath: typeof VerifyCertificateVerify.verifyCertificatePath;
export type { ManifestDiff, ChangedResource } from '../verify/compare';

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.verifyBundleSigners = exports.verifySignatureFile = exports.verifyCoseSign1 = exports.loadTrustedRoot = exports.defaultTrustedRootPath = exports.SHIPPED_TRUSTED_ROOT = exports.updateTrustedRoot = exports.loadCertificates = exports.verifyCertificatePath = undefined;
lazyExports(exports, () => require('../verify/trusted-signer') as typeof VerifyTrustedSigner, ['verifyBundleSigners']);
lazyExports(exports, () => require('../verify/signature-file') as typeof VerifySignatureFile, ['verifySignatureFile']);
lazyExports(exports, () => require('../verify/cose-verify') as typeof VerifyCoseVerify, ['verifyCoseSign1']);
lazyExports(exports, () => require('../verify/trust-root') as typeof VerifyTrustRoot, ['loadTrustedRoot', 'defaultTrustedRootPath', 'SHIPPED_TRUSTED_ROOT']);
lazyExports(exports, () => require('../verify/trust-update') as typeof VerifyTrustUpdate, ['updateTrustedRoot']);
lazyExports(exports, () => require('../verify/certificates') as typeof VerifyCertificates, ['loadCertificates']);
lazyExports(exports, () => require('../verify/certificate-verify') as typeof VerifyCertificateVerify, ['verifyCertificatePath']);
