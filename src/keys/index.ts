export * from './key-types';
export { generateKeyPair, type GeneratedKeyPair } from './generate';
export { loadPrivateKey, loadPublicKey, parsePrivateKey, parsePublicKey, publicKeyInfo, keyTypeOf } from './load';
export { keyHint } from './hint';
export { signBytes, verifyBytes, hashForKey } from './signature-algorithm';
export { resolveSigningKey, resolvePublicKey, keyReferenceKind, type KeyReferenceKind, type SigningKeyOptions } from './key-reference';
export { signWith, isExternalKey, type SigningKey, type ExternalKey, type KeySource } from './signing-key';
