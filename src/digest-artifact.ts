import { computeManifest, resourceListOf, type DigestOptions, type Manifest } from './digest/manifest';
import type { Part } from './digest/partition';
import { parseShardName } from './statement/oms';
import { checkSubjectName, subjectNameOf } from './sign/subject-name';
import { unpackPart, type PackedPart, type PartialManifest } from './statement/partial-manifest';
import { signatureIgnores } from './sign/signature-path';
import { checkSignatureBudget } from './sign/signature-budget';

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
  return unpackPart(await digestPackedPart(artifact, part, options));
}

/** digestPart, packed (what `digest --manifest-out` writes). */
export async function digestPackedPart(artifact: string, part: Part = { index: 0, count: 1 }, options: DigestOptions = {}): Promise<PackedPart> {
  let files: ReadonlyArray<{ name: string; size: number }> = [];
  const manifest = await digestArtifact(artifact, {
    ...options,
    // The whole artifact (0/1) is hashed as sign hashes it: no selection of units.
    ...(part.count > 1 ? { part } : {}),
    beforeHashing: (tree, s) => {
      // The whole tree must make a signature sign writes and verify accepts: refused before any worker hashes.
      checkSubjectName(subjectNameOf(artifact), 'UNSUPPORTED_NAME', artifact);
      checkSignatureBudget(tree.files, s, subjectNameOf(artifact));
      options.beforeHashing?.(tree, s);
      files = tree.files;
    },
  });
  const list = resourceListOf(manifest);
  const sizes = new Float64Array(list.length);
  // A part's files are a run of the tree's files, in the same order.
  for (let i = 0, f = 0; i < list.length; i++) {
    const name = list.name(i);
    if (manifest.serialization.method === 'shards') {
      const s = parseShardName(name) as { start: number; end: number };
      sizes[i] = s.end - s.start;
      continue;
    }
    while (f < files.length && files[f].name !== name) f++;
    if (f === files.length) throw new Error('internal: a hashed file is not in the walked tree');
    sizes[i] = files[f].size;
  }
  return { part, name: subjectNameOf(artifact), serialization: manifest.serialization, list, sizes };
}
