import * as fs from 'node:fs';
import * as path from 'node:path';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { DEFAULT_MIRROR_URL, getTrustedRoot } from '@sigstore/tuf';
import { ModelsealError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';
import { parseTrustedRoot, trustDir, updatedTrustedRootPath } from './trust-root';

export interface TrustUpdateOptions {
  /** TUF repository (default: Sigstore public-good, https://tuf-repo-cdn.sigstore.dev). */
  mirrorURL?: string;
  /** Initial TUF root.json for a private repository (the public-good one is embedded). */
  tufRoot?: string;
  /** Where to write trusted_root.json (default: the folder `verify` reads by default). */
  output?: string;
  timeoutSeconds?: number;
}

export interface TrustUpdateResult {
  output: string;
  mirrorURL: string;
  tlogs: number;
  certificateAuthorities: number;
  timestampAuthorities: number;
}

/**
 * Refreshes the Sigstore trusted root through TUF (signed, versioned metadata from the
 * repository, verified against the embedded or given TUF root) and writes it where
 * offline verification finds it. Needs the network; verification never does.
 */
export async function updateTrustedRoot(options: TrustUpdateOptions = {}): Promise<TrustUpdateResult> {
  const mirrorURL = options.mirrorURL ?? DEFAULT_MIRROR_URL;
  const output = path.resolve(options.output ?? updatedTrustedRootPath());
  const cachePath = path.join(trustDir(), 'tuf-cache');
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.mkdirSync(cachePath, { recursive: true });
  let root: TrustedRoot;
  try {
    root = await getTrustedRoot({ mirrorURL, cachePath, rootPath: options.tufRoot, force: true, timeout: (options.timeoutSeconds ?? 30) * 1000, retry: 1 });
  } catch (err) {
    const e = err as Error & { cause?: Error };
    const detail = [e?.message, e?.cause?.message].filter(Boolean).join(': ');
    throw new ModelsealError('SERVICE_ERROR', `could not update the trusted root from ${mirrorURL}: ${detail || String(err)}`, { cause: err });
  }
  const json = TrustedRoot.toJSON(root);
  parseTrustedRoot(json, `${mirrorURL} trusted_root.json`);
  writeFileAtomic(output, JSON.stringify(json, null, 2) + '\n', { force: true });
  return {
    output,
    mirrorURL,
    tlogs: root.tlogs.length,
    certificateAuthorities: root.certificateAuthorities.length,
    timestampAuthorities: root.timestampAuthorities.length,
  };
}
