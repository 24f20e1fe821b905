/**
 * `modelseal/sign`: signing below signArtifact: any statement with a key, a certificate or Sigstore; identity tokens; joining partial manifests; signature file names.
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as SignSignArtifact from '../sign/sign-artifact';
import type * as SignSignCose from '../sign/sign-cose';
import type * as SignFromManifest from '../sign/from-manifest';
import type * as SignCertificateSigner from '../sign/certificate-signer';
import type * as SignSigstoreSigner from '../sign/sigstore-signer';
import type * as SignIdentityToken from '../sign/identity-token';
import type * as SignClientTrustConfig from '../sign/client-trust-config';
import type * as SignSignaturePath from '../sign/signature-path';

export type { SignOptions, SignResult } from '../sign/sign-artifact';
export declare const signStatementWithKey: typeof SignSignArtifact.signStatementWithKey;
export declare const signStatementCose: typeof SignSignCose.signStatementCose;
export type { FromManifestResult } from '../sign/from-manifest';
export declare const signFromManifests: typeof SignFromManifest.signFromManifests;
export type { CertificateMaterial } from '../sign/certificate-signer';
export declare const signStatementWithCertificate: typeof SignCertificateSigner.signStatementWithCertificate;
export type { SigstoreSignOptions } from '../sign/sigstore-signer';
export declare const sigstoreSignPayload: typeof SignSigstoreSigner.sigstoreSignPayload;
export type { IdentityToken, ObtainTokenOptions } from '../sign/identity-token';
export declare const resolveIdentityToken: typeof SignIdentityToken.resolveIdentityToken;
export declare const obtainIdentityToken: typeof SignIdentityToken.obtainIdentityToken;
export declare const checkIdentityToken: typeof SignIdentityToken.checkIdentityToken;
export type { ClientTrustConfig } from '../sign/client-trust-config';
export declare const loadClientTrustConfig: typeof SignClientTrustConfig.loadClientTrustConfig;
export declare const stagingTrustConfig: typeof SignClientTrustConfig.stagingTrustConfig;
export type { SignatureFormat } from '../sign/signature-path';
export declare const defaultSignaturePath: typeof SignSignaturePath.defaultSignaturePath;
export declare const defaultProvenancePath: typeof SignSignaturePath.defaultProvenancePath;
export declare const defaultEvalSignaturePath: typeof SignSignaturePath.defaultEvalSignaturePath;
export declare const signatureInside: typeof SignSignaturePath.signatureInside;
export declare const refuseSignatureAsArtifact: typeof SignSignaturePath.refuseSignatureAsArtifact;
export declare const SIGNATURE_FORMATS: typeof SignSignaturePath.SIGNATURE_FORMATS;
export type { AttestOptions, AttestResult, AttestWarning } from '../sign/attest-artifact';

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.signStatementWithKey = exports.signStatementCose = exports.signFromManifests = exports.signStatementWithCertificate = exports.sigstoreSignPayload = exports.resolveIdentityToken = exports.obtainIdentityToken = exports.checkIdentityToken = exports.loadClientTrustConfig = exports.stagingTrustConfig = exports.defaultSignaturePath = exports.defaultProvenancePath = exports.defaultEvalSignaturePath = exports.signatureInside = exports.refuseSignatureAsArtifact = exports.SIGNATURE_FORMATS = undefined;
lazyExports(exports, () => require('../sign/sign-artifact') as typeof SignSignArtifact, ['signStatementWithKey']);
lazyExports(exports, () => require('../sign/sign-cose') as typeof SignSignCose, ['signStatementCose']);
lazyExports(exports, () => require('../sign/from-manifest') as typeof SignFromManifest, ['signFromManifests']);
lazyExports(exports, () => require('../sign/certificate-signer') as typeof SignCertificateSigner, ['signStatementWithCertificate']);
lazyExports(exports, () => require('../sign/sigstore-signer') as typeof SignSigstoreSigner, ['sigstoreSignPayload']);
lazyExports(exports, () => require('../sign/identity-token') as typeof SignIdentityToken, ['resolveIdentityToken', 'obtainIdentityToken', 'checkIdentityToken']);
lazyExports(exports, () => require('../sign/client-trust-config') as typeof SignClientTrustConfig, ['loadClientTrustConfig', 'stagingTrustConfig']);
lazyExports(exports, () => require('../sign/signature-path') as typeof SignSignaturePath, ['defaultSignaturePath', 'defaultProvenancePath', 'defaultEvalSignaturePath', 'signatureInside', 'refuseSignatureAsArtifact', 'SIGNATURE_FORMATS']);
