import { ModelsealError } from '../errors';
import type { Manifest } from '../digest/manifest';
import { matchManifest } from '../verify/match-files';

/**
 * Are the manifest's layers exactly the signed files (names and digests)? The one place the
 * registry paths ask; the decision itself is verify/match-files.ts's, as for files on disk.
 * Layers under a signed ignore path still count: nothing unsigned is pulled.
 */
export function checkLayersMatchSigned(signed: Manifest, layers: Manifest, what: string): void {
  const s = signed.serialization;
  if (s.method !== 'files' || s.hashType !== 'sha256') {
    throw new ModelsealError('OCI_LAYER_UNSUPPORTED', `${what}: the signature uses ${s.method}/${s.hashType}; registry verification compares layer digests, which needs files/sha256 (verify the pulled folder instead)`);
  }
  matchManifest(signed, layers, `${what}: the layers`);
}
