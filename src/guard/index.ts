export { checkName, compareNames, describeMatch, type NameCheck, type NameMatch, type NameReason, type CheckNameOptions } from './check-name';
export { nearNameRefusal, type NearNameOptions } from './near-name-refusal';
export { damerauLevenshtein } from './distance';
