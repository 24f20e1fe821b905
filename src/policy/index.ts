export * from './policy-types';
export { loadPolicy, parsePolicy } from './load-policy';
export { schemaValidator, describeSchemaError, SCHEMA_DIR } from './schema';
