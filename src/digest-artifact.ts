import { computeManifest, type DigestOptions, type Manifest } from './digest/manifest';
import { defaultSignaturePath, signatureInside } from './sign/signature-path';

/**
 * The root digest `sign` would put in the subject: like computeManifest, but the
 * default signature file inside a folder is left out, as sign leaves it out.
 */
export function digestArtifact(artifact: string, options: DigestOptions = {}): Promise<Manifest> {
  const inside = signatureInside(artifact, defaultSignaturePath(artifact));
  return computeManifest(artifact, { ...options, ignorePaths: [...(options.ignorePaths ?? []), ...(inside ? [inside] : [])] });
}
