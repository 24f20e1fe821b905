/**
 * modelseal's library API: what loaders, update systems and CI scripts call (docs/library.md).
 * Every function throws a ModelsealError with a stable `code` on refusal. Everything else is
 * on the subpaths `modelseal/errors`, `/digest`, `/sign`, `/verify`, `/keys`, `/formats`,
 * `/names`, `/policy`, `/lineage`, `/lock`, `/load`, `/gate`, `/release`, `/eval`, `/bom`,
 * `/oci`, `/onnxruntime` and `/transformers`.
 *
 * Each name loads its module on first use, so `require('modelseal')` stays cheap.
 */
import { lazyExports } from './util/lazy';
import type * as Sign from './sign/sign-artifact';
import type * as Attest from './sign/attest-artifact';
import type * as Digest from './digest-artifact';
import type * as Trusted from './verify-trusted';
import type * as Read from './load/verified-read';
import type * as Scan from './load/scan-path';
import type * as GateModule from './gate/gate';
import type * as Locked from './lock/verify-locked';
import type * as Generate from './keys/generate';
import type * as Write from './keys/write';
import type * as Load from './keys/load';

/** The error every refusal and input problem is: `.code` (stable), `.exitCode` (1 refused, 2 input), `.file`, `.details`. */
export { ModelsealError, ERROR_CODES, type ErrorCode } from './errors';

export type { SignOptions, SignResult } from './sign/sign-artifact';
export type { AttestOptions, AttestResult } from './sign/attest-artifact';
export type { Manifest, DigestOptions } from './digest/manifest';
export type { VerifyOptions, VerifyResult, PolicyVerifyResult, PolicyVerifyOptions, SignersVerifyOptions, Verification, Verifier, SignersTrust, PolicyTrust } from './verify-trusted';
export type { TrustedSigner, VerifiedSigner } from './verify/trusted-signer';
export type { LoadOptions, VerifiedManifest } from './load/verified-read';
export type { ScanResult, FileScan } from './load/scan-path';
export type { GateOptions, GateDecision } from './gate/gate';
export type { VerifyLockedOptions, LockedResult } from './lock/verify-locked';
export type { KeyType, PublicKeyInfo, PrivateKeyInfo } from './keys/key-types';
export type { GeneratedKeyPair } from './keys/generate';
export type { WrittenKeyPair } from './keys/write';

/** Signs an artifact (folder or file) as an OMS signature, `model.sig` by default: with a key, a certificate chain or Sigstore keyless. */
export declare const signArtifact: typeof Sign.signArtifact;
/** Signs SLSA provenance for an artifact: what it was built from (base model, datasets, source), `provenance.sig` by default. */
export declare const attestArtifact: typeof Attest.attestArtifact;
/** The manifest and root digest `sign` would sign (signature files left out). */
export declare const digestArtifact: typeof Digest.digestArtifact;
/** Verifies an artifact with trusted keys, Sigstore identities or CA roots, or with a policy (lineage included). */
export declare const verifyArtifact: typeof Trusted.verifyArtifact;
/** A reusable verifier: trust material loaded once, then `verify(artifact)` for each artifact. */
export declare const createVerifier: typeof Trusted.createVerifier;
/** A file's bytes, released only if they match the verified signature and the load-time analyser finds them safe. */
export declare const readVerified: typeof Read.readVerified;
/** Like readVerified, as a stream that fails before releasing any unverified byte. */
export declare const openVerified: typeof Read.openVerified;
/** Each file's format and load-time verdict (pickle globals, safetensors headers, archives), without loading anything. */
export declare const scanPath: typeof Scan.scanPath;
/** The update gate: accepts a release only if signed, newer, unexpired and naming exactly the verified artifacts. */
export declare const Gate: typeof GateModule.Gate;
export type Gate = GateModule.Gate;
/** Verifies an artifact against the digest and signers its name is pinned to in a lock file. */
export declare const verifyLocked: typeof Locked.verifyLocked;
/** A new key pair as PEM (Ed25519 or ECDSA), the private key encrypted if a passphrase is given. */
export declare const generateKeyPair: typeof Generate.generateKeyPair;
/** Writes a new key pair to `<prefix>.key` (0600) and `<prefix>.pub`, refusing to overwrite without `force`. */
export declare const writeKeyPair: typeof Write.writeKeyPair;
/** Reads a PEM private key (passphrase if encrypted) for signing. */
export declare const loadPrivateKey: typeof Load.loadPrivateKey;
/** Reads a PEM public key to trust. */
export declare const loadPublicKey: typeof Load.loadPublicKey;

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.signArtifact = exports.attestArtifact = exports.digestArtifact = exports.verifyArtifact = exports.createVerifier = exports.readVerified = exports.openVerified = exports.scanPath = exports.Gate = exports.verifyLocked = exports.generateKeyPair = exports.writeKeyPair = exports.loadPrivateKey = exports.loadPublicKey = undefined;
lazyExports(exports, () => require('./sign/sign-artifact') as typeof Sign, ['signArtifact']);
lazyExports(exports, () => require('./sign/attest-artifact') as typeof Attest, ['attestArtifact']);
lazyExports(exports, () => require('./digest-artifact') as typeof Digest, ['digestArtifact']);
lazyExports(exports, () => require('./verify-trusted') as typeof Trusted, ['verifyArtifact', 'createVerifier']);
lazyExports(exports, () => require('./load/verified-read') as typeof Read, ['readVerified', 'openVerified']);
lazyExports(exports, () => require('./load/scan-path') as typeof Scan, ['scanPath']);
lazyExports(exports, () => require('./gate/gate') as typeof GateModule, ['Gate']);
lazyExports(exports, () => require('./lock/verify-locked') as typeof Locked, ['verifyLocked']);
lazyExports(exports, () => require('./keys/generate') as typeof Generate, ['generateKeyPair']);
lazyExports(exports, () => require('./keys/write') as typeof Write, ['writeKeyPair']);
lazyExports(exports, () => require('./keys/load') as typeof Load, ['loadPrivateKey', 'loadPublicKey']);
