import { computeManifest, type DigestOptions, type Manifest } from './digest/manifest';
import { attestationFilesInside } from './sign/signature-path';

/**
 * The root digest `sign` would put in the subject: like computeManifest, but the
 * default signature and provenance files inside a folder are left out, as sign
 * leaves them out (attesting an artifact never changes its digest).
 */
export function digestArtifact(artifact: string, options: DigestOptions = {}): Promise<Manifest> {
  return computeManifest(artifact, { ...options, ignorePaths: [...(options.ignorePaths ?? []), ...attestationFilesInside(artifact)] });
}
