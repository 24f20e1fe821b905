export * from './algorithms';
export * from './manifest';
export { walkArtifact, type ArtifactFile, type ArtifactTree, type WalkOptions } from './walk';
export { DEFAULT_IGNORES, normalizeIgnorePath, isIgnored } from './ignore';
export { comparePaths, compareShards } from './order';
