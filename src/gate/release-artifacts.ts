import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { computeManifest } from '../digest/manifest';
import { readBundle } from '../envelope/bundle';
import { defaultSignaturePath, signatureInside } from '../sign/signature-path';
import { parseOmsStatement } from '../statement/oms';
import { parseStatement } from '../statement/statement';
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
  const sigPath = path.resolve(signature ?? defaultSignaturePath(artifact));
  const bundle = readBundle(sigPath);
  const signed = parseOmsStatement(parseStatement(bundle.envelope.payload, sigPath), sigPath).manifest;
  const s = signed.serialization;
  const inside = signatureInside(artifact, sigPath);
  const actual = await computeManifest(artifact, {
    method: s.method,
    hashType: s.hashType,
    shardSize: s.shardSize,
    allowSymlinks: s.allowSymlinks,
    ignorePaths: [...s.ignorePaths, ...(inside ? [inside] : [])],
    noDefaultIgnores: true,
  });
  if (actual.rootDigest !== signed.rootDigest) {
    throw new ModelsealError('ARTIFACT_MISMATCH', `does not match its signature ${sigPath} (root ${actual.rootDigest}, signed ${signed.rootDigest}); re-sign it before releasing`, { file: artifact });
  }
  return { name: releaseNameOf(artifact), digest: signed.rootDigest };
}
