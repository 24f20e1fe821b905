export * from './dsse';
export * from './bundle';
export { decodeBase64 } from './base64';
export { maxBundleBytes, readBoundedFile, parseJson } from './read-json';
export { parseStrictJson, MAX_JSON_DEPTH, StreamedItems, type StrictJsonOptions, type StrictJsonItems } from './strict-json';
