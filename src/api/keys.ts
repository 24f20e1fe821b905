/**
 * `modelseal/keys`: generate, write, load and parse key pairs; key references (files, pkcs11: tokens, exec: signers); model_signing key hints.
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as KeysGenerate from '../keys/generate';
import type * as KeysWrite from '../keys/write';
import type * as KeysLoad from '../keys/load';
import type * as KeysHint from '../keys/hint';
import type * as KeysKeyTypes from '../keys/key-types';
import type * as KeysKeyReference from '../keys/key-reference';
import type * as KeysPkcs11Signer from '../keys/pkcs11-signer';

export type { GeneratedKeyPair } from '../keys/generate';
export declare const generateKeyPair: typeof KeysGenerate.generateKeyPair;
export type { WrittenKeyPair } from '../keys/write';
export declare const writeKeyPair: typeof KeysWrite.writeKeyPair;
export declare const loadPrivateKey: typeof KeysLoad.loadPrivateKey;
export declare const loadPublicKey: typeof KeysLoad.loadPublicKey;
export declare const parsePrivateKey: typeof KeysLoad.parsePrivateKey;
export declare const parsePublicKey: typeof KeysLoad.parsePublicKey;
export declare const keyHint: typeof KeysHint.keyHint;
export type { KeyType, PublicKeyInfo, PrivateKeyInfo } from '../keys/key-types';
export declare const KEY_TYPES: typeof KeysKeyTypes.KEY_TYPES;
export type { KeyReferenceKind, SigningKeyOptions } from '../keys/key-reference';
export declare const resolveSigningKey: typeof KeysKeyReference.resolveSigningKey;
export declare const resolvePublicKey: typeof KeysKeyReference.resolvePublicKey;
export declare const keyReferenceKind: typeof KeysKeyReference.keyReferenceKind;
export type { SigningKey, ExternalKey, KeySource } from '../keys/signing-key';
export type { GeneratedTokenKey } from '../keys/pkcs11-signer';
export declare const generatePkcs11KeyPair: typeof KeysPkcs11Signer.generatePkcs11KeyPair;

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.generateKeyPair = exports.writeKeyPair = exports.loadPrivateKey = exports.loadPublicKey = exports.parsePrivateKey = exports.parsePublicKey = exports.keyHint = exports.KEY_TYPES = exports.resolveSigningKey = exports.resolvePublicKey = exports.keyReferenceKind = exports.generatePkcs11KeyPair = undefined;
lazyExports(exports, () => require('../keys/generate') as typeof KeysGenerate, ['generateKeyPair']);
lazyExports(exports, () => require('../keys/write') as typeof KeysWrite, ['writeKeyPair']);
lazyExports(exports, () => require('../keys/load') as typeof KeysLoad, ['loadPrivateKey', 'loadPublicKey', 'parsePrivateKey', 'parsePublicKey']);
lazyExports(exports, () => require('../keys/hint') as typeof KeysHint, ['keyHint']);
lazyExports(exports, () => require('../keys/key-types') as typeof KeysKeyTypes, ['KEY_TYPES']);
lazyExports(exports, () => require('../keys/key-reference') as typeof KeysKeyReference, ['resolveSigningKey', 'resolvePublicKey', 'keyReferenceKind']);
lazyExports(exports, () => require('../keys/pkcs11-signer') as typeof KeysPkcs11Signer, ['generatePkcs11KeyPair']);
