import * as fs from 'node:fs';
import { computeManifest, type Manifest } from '../digest/manifest';
import { parseBundle } from '../envelope/bundle';
import { MAX_BUNDLE_BYTES, parseJson, readBoundedFile } from '../envelope/read-json';
import { parseOmsStatement, type OmsStatement } from '../statement/oms';
import { parseStatement } from '../statement/statement';
import { digestArtifact } from '../digest-artifact';
import { defaultSignaturePath, signatureIgnores } from './signature-path';

export interface SignedDigest {
  manifest: Manifest;
  /** The artifact's own OMS signature, parsed but NOT verified, if it has one. */
  signed?: OmsStatement;
  signature?: string;
}

/**
 * The artifact's root digest, computed the way its own signature (`model.sig` /
 * `<file>.sig`) was computed (same method, hash, shard size, ignores) so the digest
 * matches the signed subject when the files are intact; with no signature, the
 * `modelseal digest` defaults. The signature is only read for its parameters.
 */
export async function digestLikeSignature(artifact: string, signature: string = defaultSignaturePath(artifact)): Promise<SignedDigest> {
  let signed: OmsStatement | undefined;
  if (fs.existsSync(signature)) {
    try {
      const bytes = readBoundedFile(signature, MAX_BUNDLE_BYTES);
      const bundle = parseBundle(parseJson(bytes, signature, 'BUNDLE_INVALID', 'the signature file'), signature);
      signed = parseOmsStatement(parseStatement(bundle.envelope.payload, signature), signature);
    } catch {
      // An unreadable signature gives no parameters; verification reports it where it matters.
      signed = undefined;
    }
  }
  if (!signed) return { manifest: await digestArtifact(artifact) };
  const s = signed.manifest.serialization;
  const manifest = await computeManifest(artifact, {
    method: s.method,
    hashType: s.hashType,
    shardSize: s.shardSize,
    allowSymlinks: s.allowSymlinks,
    noDefaultIgnores: true,
    ignorePaths: [...new Set([...s.ignorePaths, ...signatureIgnores(artifact, signature)])],
  });
  return { manifest, signed, signature };
}
