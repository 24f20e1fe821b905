import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { rootDigestOf, resourceAlgorithm, treeUnits, type Manifest, type Serialization } from '../digest/manifest';
import { comparePaths } from '../digest/order';
import { walkArtifact } from '../digest/walk';
import { buildOmsStatement, parseOmsStatement, parseShardName, serializationJson } from '../statement/oms';
import { readPartialManifest, type PartialManifest, type PartialResource } from '../statement/partial-manifest';
import { serializeStatement, type Statement } from '../statement/statement';
import { checkOutputPath } from '../util/atomic-write';
import { signManifest, signatureTarget, type SignOptions, type SignResult } from './sign-artifact';
import { checkStatementBudget } from './signature-budget';
import { signatureIgnores } from './signature-path';
import { subjectNameOf } from './subject-name';

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
function joinParts(parts: PartialManifest[], files: string[]): { serialization: Serialization; name: string; resources: PartialResource[] } {
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
  const resources: PartialResource[] = [];
  for (let k = 0; k < first.part.count; k++) for (const r of parts[byIndex.get(k) as number].resources) resources.push(r);
  return { serialization: first.serialization, name: first.name, resources };
}

/** The joined parts must list exactly the resources the tree gives, in order, with the tree's sizes. */
function checkAgainstTree(artifact: string, signature: string, serialization: Serialization, resources: PartialResource[]): void {
  const ignores = new Set([...serialization.ignorePaths, ...signatureIgnores(artifact, signature)]);
  const tree = walkArtifact(artifact, { ignores, allowSymlinks: serialization.allowSymlinks });
  const shardSize = serialization.method === 'shards' ? (serialization.shardSize as number) : undefined;
  const units = treeUnits(tree.files, shardSize);
  const n = units.fileOf.length;
  const nameOf = (u: number) => {
    const f = tree.files[units.fileOf[u]];
    return shardSize === undefined ? f.name : `${f.name}:${units.start[u]}:${units.end[u]}`;
  };
  for (let u = 0; u < Math.min(n, resources.length); u++) {
    const want = nameOf(u);
    const got = resources[u];
    if (got.name !== want) {
      const inTree = new Set<string>();
      for (let v = 0; v < n; v++) inTree.add(nameOf(v));
      if (!inTree.has(got.name)) throw invalid(`the parts list ${label(got.name)}, which the tree does not have`, artifact);
      const listed = new Set(resources.map((r) => r.name));
      if (!listed.has(want)) throw invalid(`no part lists ${label(want)}`, artifact);
      throw invalid(`the parts list ${label(got.name)} twice or out of order (overlapping parts, or parts of another split)`, artifact);
    }
    const size = units.end[u] - units.start[u];
    if (got.size !== size) throw invalid(`the parts hashed ${label(want)} at ${got.size} bytes, it now has ${size}`, artifact);
  }
  if (resources.length > n) throw invalid(`the parts list ${label(resources[n].name)}, which the tree does not have`, artifact);
  if (resources.length < n) throw invalid(`no part lists ${label(nameOf(resources.length))}`, artifact);
}

function sortKey(serialization: Serialization): (a: PartialResource, b: PartialResource) => number {
  if (serialization.method === 'files') return (a, b) => comparePaths(a.name, b.name);
  return (a, b) => {
    const sa = parseShardName(a.name) as { path: string; start: number };
    const sb = parseShardName(b.name) as { path: string; start: number };
    return comparePaths(sa.path, sb.path) || sa.start - sb.start;
  };
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
  const parts = manifests.map((f) => readPartialManifest(path.resolve(f)));
  const joined = joinParts(parts, manifests);
  const { serialization } = joined;
  let resources = joined.resources;
  if (artifact !== undefined) {
    checkAgainstTree(artifact, signature, serialization, resources);
  } else {
    resources = resources.slice().sort(sortKey(serialization));
    for (let i = 1; i < resources.length; i++) {
      if (resources[i].name === resources[i - 1].name) throw invalid(`${label(resources[i].name)} is listed twice (overlapping parts)`);
    }
  }
  const algorithm = resourceAlgorithm(serialization);
  const list = resources.map((r) => ({ name: r.name, algorithm, digest: r.digest }));
  const manifest: Manifest = { serialization, resources: list, rootDigest: rootDigestOf(list) };
  const subjectName = artifact !== undefined ? subjectNameOf(artifact) : joined.name;
  const statement = buildOmsStatement(manifest, subjectName);
  // What verify will check of the statement (names, digests, shard tiling, count) is checked now.
  try {
    parseOmsStatement(statement as Statement);
  } catch (err) {
    if (err instanceof ModelsealError) throw invalid(err.message);
    throw err;
  }
  checkStatementBudget(list.length, serializeStatement(statement).length);
  const signed = await signManifest(manifest, subjectName, signature, options);
  return { ...signed, ...(artifact !== undefined ? { artifact: path.resolve(artifact) } : {}), parts: parts[0].part.count, treeChecked: artifact !== undefined };
}
