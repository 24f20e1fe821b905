import * as fs from 'node:fs';
import { ModelsealError } from '../errors';
import type { Manifest } from '../digest/manifest';
import type { OmsStatement } from '../statement/oms';
import { readUnverifiedStatement } from '../verify/signature-file';
import { digestArtifact } from '../digest-artifact';
import { matchFiles, type HashCache } from '../verify/match-files';
import { defaultSignaturePath } from './signature-path';

export interface SignedDigest {
  manifest: Manifest;
  /** The artifact's own OMS signature, parsed but NOT verified, if it has one. */
  signed?: OmsStatement;
  signature?: string;
}

/**
 * The artifact's own OMS statement (`model.sig` / `<file>.sig`), parsed but not verified;
 * undefined if there is none. One that is there but cannot be read is a refusal: its
 * parameters cannot be guessed, and the defaults would give a digest it does not sign.
 */
export function readOwnStatement(signature: string, cache?: HashCache): OmsStatement | undefined {
  if (!fs.existsSync(signature)) return undefined;
  if (!cache) return readUnverifiedStatement(signature);
  const { oms } = cache.signatureFile(signature);
  if (oms === undefined) throw new Error('internal: the run cache read a signature without its resources');
  if (oms instanceof ModelsealError) throw oms;
  return oms;
}

/**
 * The artifact's manifest as its own signature (`model.sig` / `<file>.sig`) lists it,
 * after checking the files on disk against it (names and digests, by the one
 * files-vs-manifest check); with no readable signature, the `modelseal digest`
 * defaults. Nothing here is trusted: the signature is not verified, only matched.
 */
export async function digestLikeSignature(artifact: string, signature: string = defaultSignaturePath(artifact), cache?: HashCache): Promise<SignedDigest> {
  const signed = readOwnStatement(signature, cache);
  if (!signed) return { manifest: await digestArtifact(artifact) };
  await matchFiles(artifact, signed.manifest, signature, { cache });
  return { manifest: signed.manifest, signed, signature };
}
