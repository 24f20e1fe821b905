import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { packedManifest, rootDigestOf, resourceAlgorithm, treeUnits, type Serialization } from '../digest/manifest';
import { partOfUnits } from '../digest/partition';
import { comparePaths } from '../digest/order';
import { ResourceList } from '../digest/resource-list';
import { walkArtifact } from '../digest/walk';
import { checkResourceList, omsStatementChunks, parseShardName, serializationJson } from '../statement/oms';
import { readPackedPart, type PackedPart } from '../statement/partial-manifest';
import { checkOutputPath } from '../util/atomic-write';
import { certificateBytes, signManifest, signatureTarget, type SignOptions, type SignResult } from './sign-artifact';
import { checkStatementBudget } from './signature-budget';
import { signatureIgnores, signatureInside } from './signature-path';
import { checkSubjectName, subjectNameOf } from './subject-name';

export interface FromManifestResult extends Omit<SignResult, 'artifact'> {
  /** The tree the parts were checked against; undefined when signing given digests only. */
  artifact?: string;
  parts: number;
  /** True when the parts' names and sizes were checked against the files of the tree (digests are never recomputed). */
  treeChecked: boolean;
}

function invalid(message: string, file?: string): ModelsealError {
  return new ModelsealError('PARTS_INVALID', message, { file });
}

function label(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 120)}…${name.slice(-60)}` : name);
}

/** Parts of one split: same serialization and name, each index once, all present; joined in index order. */
function joinParts(parts: PackedPart[], files: string[]): { serialization: Serialization; name: string; list: ResourceList; sizes: Float64Array } {
  const first = parts[0];
  const wire = JSON.stringify(serializationJson(first.serialization));
  const byIndex = new Map<number, number>();
  parts.forEach((p, i) => {
    if (JSON.stringify(serializationJson(p.serialization)) !== wire) throw invalid(`uses serialization ${JSON.stringify(serializationJson(p.serialization))}, ${files[0]} uses ${wire}`, files[i]);
    if (p.part.count !== first.part.count) throw invalid(`is part ${p.part.index}/${p.part.count}, ${files[0]} is part ${first.part.index}/${first.part.count}: parts of different splits`, files[i]);
    if (p.name !== first.name) throw invalid(`names the artifact ${label(p.name)}, ${files[0]} names it ${label(first.name)}`, files[i]);
    const twin = byIndex.get(p.part.index);
    if (twin !== undefined) throw invalid(`is part ${p.part.index}/${p.part.count}, and so is ${files[twin]}`, files[i]);
    byIndex.set(p.part.index, i);
  });
  const missing: number[] = [];
  for (let k = 0; k < first.part.count && missing.length < 5; k++) if (!byIndex.has(k)) missing.push(k);
  if (missing.length > 0) throw invalid(`parts ${missing.map((k) => `${k}/${first.part.count}`).join(', ')} are missing: give all ${first.part.count} parts`);
  const ordered = Array.from({ length: first.part.count }, (_, k) => parts[byIndex.get(k) as number]);
  const sizes = new Float64Array(ordered.reduce((n, p) => n + p.sizes.length, 0));
  let at = 0;
  for (const p of ordered) {
    sizes.set(p.sizes, at);
    at += p.sizes.length;
  }
  // Each part must hold exactly its share of the joined list, as digest --part splits it.
  const owner = partOfUnits(sizes, first.part.count);
  at = 0;
  ordered.forEach((p, k) => {
    for (let u = at; u < at + p.sizes.length; u++) {
      if (owner[u] !== k) throw invalid(`is part ${k}/${first.part.count}, but does not hold that part of the joined list (made by another split, or edited)`, files[byIndex.get(k) as number]);
    }
    at += p.sizes.length;
  });
  const list = ordered.length === 1 ? ordered[0].list : ResourceList.joined(ordered.map((p) => p.list), resourceAlgorithm(first.serialization));
  return { serialization: first.serialization, name: first.name, list, sizes };
}

/** The joined parts must list exactly the resources the tree gives, in order, with the tree's sizes. */
function checkAgainstTree(artifact: string, signatureInTree: string | undefined, serialization: Serialization, list: ResourceList, sizes: Float64Array): void {
  const tree = walkArtifact(artifact, { ignores: new Set(serialization.ignorePaths), allowSymlinks: serialization.allowSymlinks });
  const shardSize = serialization.method === 'shards' ? (serialization.shardSize as number) : undefined;
  const units = treeUnits(tree.files, shardSize);
  const n = units.fileOf.length;
  const nameOf = (u: number) => {
    const f = tree.files[units.fileOf[u]];
    return shardSize === undefined ? f.name : `${f.name}:${units.start[u]}:${units.end[u]}`;
  };
  const listed = Math.min(n, list.length);
  for (let u = 0; u < listed; u++) {
    const want = nameOf(u);
    const got = list.name(u);
    if (got !== want) {
      const inTree = new Set<string>();
      for (let v = 0; v < n; v++) inTree.add(nameOf(v));
      if (got === signatureInTree) throw invalid(`the parts list ${label(got)}, where this signature is to be written: hash the parts with --ignore-paths for it, or write the signature outside the tree`, artifact);
      if (!inTree.has(got)) throw invalid(`the parts list ${label(got)}, which the tree does not have`, artifact);
      let listed = false;
      for (let v = 0; v < list.length && !listed; v++) listed = list.name(v) === want;
      if (!listed) throw invalid(`no part lists ${label(want)}`, artifact);
      throw invalid(`the parts list ${label(got)} twice or out of order (overlapping parts, or parts of another split)`, artifact);
    }
    const size = units.end[u] - units.start[u];
    if (sizes[u] !== size) throw invalid(`the parts hashed ${label(want)} at ${sizes[u]} bytes, it now has ${size}`, artifact);
  }
  if (list.length > n) throw invalid(`the parts list ${label(list.name(n))}, which the tree does not have`, artifact);
  if (list.length < n) throw invalid(`no part lists ${label(nameOf(list.length))}`, artifact);
}

/** The list in model_signing's order: by path (code points per component), shards by offset. */
function sortedList(list: ResourceList, serialization: Serialization): ResourceList {
  const shards = serialization.method === 'shards';
  const paths: string[] = [];
  const starts = new Float64Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const name = list.name(i);
    const s = shards ? (parseShardName(name) as { path: string; start: number }) : undefined;
    paths.push(s ? s.path : name);
    if (s) starts[i] = s.start;
  }
  const order = Uint32Array.from({ length: list.length }, (_, i) => i).sort((a, b) => comparePaths(paths[a], paths[b]) || starts[a] - starts[b]);
  return ResourceList.joined([list], resourceAlgorithm(serialization), order);
}

/**
 * Signs digests computed elsewhere: the partial manifests of `digest --part`, joined, or
 * a complete digest list. With the artifact, the joined list must name exactly the
 * tree's resources with their sizes; without it, the list is signed as given (sorted
 * into model_signing's order) and the result says the tree was not checked. Digests are
 * never recomputed: that is the point, and the caller's responsibility.
 */
export async function signFromManifests(artifact: string | undefined, manifests: string[], options: SignOptions): Promise<FromManifestResult> {
  if (manifests.length === 0) throw new ModelsealError('USAGE_ERROR', 'give at least one partial manifest');
  const signature = signatureTarget(artifact, options);
  checkOutputPath(signature, { force: options.force });
  const materialBytes = certificateBytes(options); // a chain not for the key is refused before any part is read
  const parts = manifests.map((f) => readPackedPart(path.resolve(f)));
  const joined = joinParts(parts, manifests);
  const count = parts[0].part.count;
  parts.length = 0; // the joined list holds what the parts held
  let { serialization } = joined;
  let list = joined.list;
  if (list.length === 0) throw invalid('the parts are empty (no resources): nothing to sign');
  if (artifact !== undefined) {
    // The signature files, this one too when it is written inside the tree, are ignored paths as sign records them.
    const missing = signatureIgnores(artifact, signature).filter((p) => !serialization.ignorePaths.includes(p));
    if (missing.length > 0) serialization = { ...serialization, ignorePaths: [...serialization.ignorePaths, ...missing] };
    checkAgainstTree(artifact, signatureInside(artifact, signature), serialization, list, joined.sizes);
  } else list = sortedList(list, serialization);
  // What verify checks of a signed resource list is checked now, by the same function.
  try {
    checkResourceList(list, serialization, (m) => invalid(m));
  } catch (err) {
    if (err instanceof ModelsealError && err.code !== 'PARTS_INVALID') throw invalid(err.message);
    throw err;
  }
  const manifest = packedManifest(serialization, list, rootDigestOf(list));
  const subjectName = artifact !== undefined ? subjectNameOf(artifact) : joined.name;
  checkSubjectName(subjectName, 'PARTS_INVALID', artifact);
  checkStatementBudget(list.length, omsStatementChunks(manifest, subjectName).length, { keyless: options.sigstore !== undefined, materialBytes });
  const signed = await signManifest(manifest, subjectName, signature, options);
  return { ...signed, ...(artifact !== undefined ? { artifact: path.resolve(artifact) } : {}), parts: count, treeChecked: artifact !== undefined };
}
