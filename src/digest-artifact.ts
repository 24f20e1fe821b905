import { computeManifest, type DigestOptions, type Manifest } from './digest/manifest';
import type { Part } from './digest/partition';
import { parseShardName } from './statement/oms';
import { subjectNameOf } from './sign/subject-name';
import type { PartialManifest } from './statement/partial-manifest';
import { signatureIgnores } from './sign/signature-path';

/**
 * The root digest `sign` would put in the subject: like computeManifest, but the
 * signature files at the top of a folder are left out, as sign leaves them out.
 */
export function digestArtifact(artifact: string, options: DigestOptions = {}): Promise<Manifest> {
  return computeManifest(artifact, { ...options, ignorePaths: [...(options.ignorePaths ?? []), ...signatureIgnores(artifact)] });
}

/**
 * One worker's share of an artifact (partition.ts): the digests of its part of the
 * resources, with their sizes, for `sign --from-manifest` to join. Without a part,
 * the whole artifact as part 0/1.
 */
export async function digestPart(artifact: string, part: Part = { index: 0, count: 1 }, options: DigestOptions = {}): Promise<PartialManifest> {
  let sizes = new Map<string, number>();
  const manifest = await digestArtifact(artifact, {
    ...options,
    part,
    beforeHashing: (tree, s) => {
      options.beforeHashing?.(tree, s);
      if (s.method === 'files') sizes = new Map(tree.files.map((f) => [f.name, f.size]));
    },
  });
  const sizeOf = (name: string) => {
    if (manifest.serialization.method === 'files') return sizes.get(name) as number;
    const s = parseShardName(name) as { start: number; end: number };
    return s.end - s.start;
  };
  return {
    part,
    name: subjectNameOf(artifact),
    serialization: manifest.serialization,
    resources: manifest.resources.map((r) => ({ name: r.name, digest: r.digest, size: sizeOf(r.name) })),
  };
}
