export * from './policy-types';
export { loadPolicy, parsePolicy } from './load-policy';
export { schemaValidator, describeSchemaError, SCHEMA_DIR } from './schema';
export { findRule, ruleFor, signersNamed } from './rules';
export { globToRegExp, matchesGlob } from './glob';
export { verifyBundleAgainstSigners, type SignerMatch } from './verify-signers';
