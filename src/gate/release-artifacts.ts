import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { readBundle } from '../envelope/bundle';
import { defaultSignaturePath } from '../sign/signature-path';
import { digestLikeSignature } from '../sign/signed-digest';
import type { ReleaseArtifact } from './release-record';

/** The name an artifact has in a release record: its folder or file name. */
export function releaseNameOf(artifact: string): string {
  return path.basename(path.resolve(artifact));
}

/**
 * The root digest a release record binds for an artifact: the subject digest of its
 * OMS signature (default location), after checking that the files on disk still hash
 * to it with the signature's own serialization. Publishing side: nothing is trusted here.
 */
export async function releaseArtifactDigest(artifact: string, signature?: string): Promise<ReleaseArtifact> {
  if (!fs.existsSync(artifact)) throw new ModelsealError('PATH_NOT_FOUND', 'no such file or directory', { file: artifact });
  const sigPath = path.resolve(signature ?? defaultSignaturePath(artifact));
  readBundle(sigPath); // a missing or malformed signature is refused here with its own message
  const { signed } = await digestLikeSignature(artifact, sigPath);
  if (!signed) throw new ModelsealError('STATEMENT_INVALID', 'is not an OMS model signature; sign the artifact before releasing it', { file: sigPath });
  return { name: releaseNameOf(artifact), digest: signed.manifest.rootDigest };
}
