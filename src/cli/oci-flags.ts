import * as Flags from '@oclif/core/flags';
import { ModelsealError } from '../api/errors';
import type { RegistryOptions } from '../api/oci';

/** Registry access for oci:// references (sign, verify, pull). */
export const ociFlags = {
  'plain-http': Flags.boolean({ description: 'oci:// only: talk plain HTTP to a loopback registry (refused for any other host).', helpGroup: 'REGISTRY' }),
  'registry-token': Flags.string({ description: 'oci:// only: bearer token for the registry (default: ~/.docker/config.json credentials, else anonymous).', helpGroup: 'REGISTRY' }),
};

export function registryOptionsFrom(flags: { 'plain-http'?: boolean; 'registry-token'?: string }): RegistryOptions {
  return { plainHttp: flags['plain-http'], ...(flags['registry-token'] ? { registryToken: flags['registry-token'] } : {}) };
}

/** Flags that only make sense for a folder or file, refused with an oci:// reference (and the other way round). */
export function refuseFlags(argv: readonly string[], names: readonly string[], why: string, aliases: Readonly<Record<string, readonly string[]>> = {}): void {
  for (const n of names.flatMap((name) => [name, ...(aliases[name] ?? [])])) {
    const given = argv.find((a) => a === `--${n}` || a.startsWith(`--${n}=`) || a === `--no-${n}`);
    if (given !== undefined) throw new ModelsealError('USAGE_ERROR', `${given.split('=')[0]} ${why}`);
  }
}
