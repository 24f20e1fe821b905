import { ModelsealError } from '../api/errors';

/** Reads a passphrase from the named environment variable (never from a flag value, which leaks into ps). */
export function readPassphrase(envName: string | undefined): string | undefined {
  if (envName === undefined) return undefined;
  const value = process.env[envName];
  if (value === undefined || value === '') {
    throw new ModelsealError('USAGE_ERROR', `environment variable ${envName} (--passphrase-env) is not set or empty`);
  }
  return value;
}
