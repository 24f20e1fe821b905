import { ModelsealError } from '../errors';

/**
 * How large a model signature may be. One bound for both directions: `sign` refuses,
 * before hashing, a configuration whose signature would exceed it, and every reader of
 * model signatures refuses a file over it before reading it, so verify accepts every
 * signature sign writes and nothing much larger. The bound grows with the number of
 * resources a signature may list (datasets have millions of files):
 *
 *   limit(bytes) = ENVELOPE_RESERVE + maxResources × BUNDLE_BYTES_PER_RESOURCE
 *
 * maxResources is DEFAULT_MAX_RESOURCES unless MODELSEAL_MAX_RESOURCES says otherwise.
 */

/** Covers ImageNet's 1,281,167 training files; Open Images (9 M) needs MODELSEAL_MAX_RESOURCES. */
export const DEFAULT_MAX_RESOURCES = 1_500_000;
/** Bundle bytes per resource: a base64 resource entry of model_signing's JSON with a name of ~190 bytes. */
export const BUNDLE_BYTES_PER_RESOURCE = 400;
/** Room for all but the resource list: key hint, certificate chain, log entries, timestamps, the statement head. */
export const ENVELOPE_RESERVE = 4 * 1024 * 1024;
/** Above this the limit would exceed what one Node Buffer / string can hold anyway. */
const MAX_CONFIGURABLE = 10_000_000;
export const MAX_RESOURCES_ENV = 'MODELSEAL_MAX_RESOURCES';

/** The most resources a model signature may list (MODELSEAL_MAX_RESOURCES, else the default). */
export function maxResources(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[MAX_RESOURCES_ENV];
  if (raw === undefined || raw === '') return DEFAULT_MAX_RESOURCES;
  const n = /^[1-9][0-9]{0,8}$/.test(raw) ? Number(raw) : NaN;
  if (!(n <= MAX_CONFIGURABLE)) {
    throw new ModelsealError('USAGE_ERROR', `${MAX_RESOURCES_ENV} must be an integer from 1 to ${MAX_CONFIGURABLE}, got ${JSON.stringify(raw.slice(0, 20))}`);
  }
  return n;
}

/** The largest model signature file accepted (and written) for `resources` resources. */
export function signatureByteLimit(resources: number = maxResources()): number {
  return ENVELOPE_RESERVE + resources * BUNDLE_BYTES_PER_RESOURCE;
}

/** Bytes of the base64 text of `n` bytes (DSSE payloads travel as base64 in a bundle). */
export function base64Length(n: number): number {
  return 4 * Math.ceil(n / 3);
}
