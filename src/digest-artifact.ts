import { computeManifest, type DigestOptions, type Manifest } from './digest/manifest';
import { signatureIgnores } from './sign/signature-path';

/**
 * The root digest `sign` would put in the subject: like computeManifest, but the
 * signature files at the top of a folder are left out, as sign leaves them out.
 */
export function digestArtifact(artifact: string, options: DigestOptions = {}): Promise<Manifest> {
  return computeManifest(artifact, { ...options, ignorePaths: [...(options.ignorePaths ?? []), ...signatureIgnores(artifact)] });
}
