import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelsealError } from '../errors';

/** How to authenticate to one registry: a bearer token given outright, or Docker config credentials. */
export interface RegistryCredentials {
  /** `--registry-token`: sent as `Authorization: Bearer` to the registry itself. */
  token?: string;
  username?: string;
  password?: string;
  /** A Docker config identity token (a refresh token for the token service). */
  identityToken?: string;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

function configFile(): string {
  const dir = process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

/** Keys Docker writes for a registry: `host`, `https://host`, `http://host`, with or without `/v1/` etc. */
function matchesRegistry(key: string, registry: string): boolean {
  const stripped = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '').toLowerCase();
  return stripped === registry || (registry === 'registry-1.docker.io' && stripped === 'index.docker.io');
}

/**
 * Credentials for `registry` from the Docker config (`$DOCKER_CONFIG/config.json` or
 * `~/.docker/config.json`): `auths.<host>.auth` (base64 user:password) or
 * `identitytoken`. Credential helpers are not run (they execute programs); a
 * config that only names a helper gives no credentials.
 */
export function dockerConfigCredentials(registry: string, file = configFile()): RegistryCredentials | undefined {
  let text: string;
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > MAX_CONFIG_BYTES) return undefined;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw new ModelsealError('USAGE_ERROR', 'is not valid JSON', { file });
  }
  const auths = (config as { auths?: unknown })?.auths;
  if (!auths || typeof auths !== 'object') return undefined;
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    if (!matchesRegistry(key, registry) || !entry || typeof entry !== 'object') continue;
    const e = entry as { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown };
    if (typeof e.identitytoken === 'string' && e.identitytoken) return { identityToken: e.identitytoken };
    if (typeof e.auth === 'string' && e.auth) {
      const plain = Buffer.from(e.auth, 'base64').toString('utf8');
      const i = plain.indexOf(':');
      if (i > 0) return { username: plain.slice(0, i), password: plain.slice(i + 1) };
    }
    if (typeof e.username === 'string' && typeof e.password === 'string') return { username: e.username, password: e.password };
  }
  return undefined;
}
