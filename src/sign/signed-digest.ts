import * as fs from 'node:fs';
import type { Manifest } from '../digest/manifest';
import { parseBundle } from '../envelope/bundle';
import { MAX_BUNDLE_BYTES, parseJson, readBoundedFile } from '../envelope/read-json';
import { readOmsStatement, type OmsStatement } from '../statement/oms';
import { digestArtifact } from '../digest-artifact';
import { matchFiles, type HashCache } from '../verify/match-files';
import { defaultSignaturePath } from './signature-path';

export interface SignedDigest {
  manifest: Manifest;
  /** The artifact's own OMS signature, parsed but NOT verified, if it has one. */
  signed?: OmsStatement;
  signature?: string;
}

/** The artifact's own OMS statement (`model.sig` / `<file>.sig`), parsed but not verified; undefined if absent or unreadable. */
export function readOwnStatement(signature: string): OmsStatement | undefined {
  if (!fs.existsSync(signature)) return undefined;
  try {
    const bytes = readBoundedFile(signature, MAX_BUNDLE_BYTES);
    const bundle = parseBundle(parseJson(bytes, signature, 'BUNDLE_INVALID', 'the signature file'), signature);
    return readOmsStatement(bundle.envelope.payload, signature);
  } catch {
    // An unreadable signature gives no parameters; verification reports it where it matters.
    return undefined;
  }
}

/**
 * The artifact's manifest as its own signature (`model.sig` / `<file>.sig`) lists it,
 * after checking the files on disk against it (names and digests, by the one
 * files-vs-manifest check); with no readable signature, the `modelseal digest`
 * defaults. Nothing here is trusted: the signature is not verified, only matched.
 */
export async function digestLikeSignature(artifact: string, signature: string = defaultSignaturePath(artifact), cache?: HashCache): Promise<SignedDigest> {
  const signed = readOwnStatement(signature);
  if (!signed) return { manifest: await digestArtifact(artifact) };
  await matchFiles(artifact, signed.manifest, signature, { cache });
  return { manifest: signed.manifest, signed, signature };
}
