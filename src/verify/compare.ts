import type { ResourceDigest } from '../digest/manifest';

export interface ChangedResource {
  name: string;
  expected: string;
  actual: string;
}

export interface ManifestDiff {
  changed: ChangedResource[];
  missing: string[];
  extra: string[];
}

/** Compares signed and recomputed resources as unordered name → digest maps. */
export function diffResources(expected: readonly ResourceDigest[], actual: readonly ResourceDigest[]): ManifestDiff {
  const want = new Map(expected.map((r) => [r.name, r.digest]));
  const have = new Map(actual.map((r) => [r.name, r.digest]));
  const diff: ManifestDiff = { changed: [], missing: [], extra: [] };
  for (const [name, digest] of want) {
    const got = have.get(name);
    if (got === undefined) diff.missing.push(name);
    else if (got !== digest) diff.changed.push({ name, expected: digest, actual: got });
  }
  for (const name of have.keys()) if (!want.has(name)) diff.extra.push(name);
  return diff;
}

export function isEmptyDiff(d: ManifestDiff): boolean {
  return d.changed.length === 0 && d.missing.length === 0 && d.extra.length === 0;
}

function list(names: string[], max = 5): string {
  const shown = names.slice(0, max).map((n) => JSON.stringify(n)).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/** One line naming what differs, e.g. `changed: "a.bin"; missing: "b"; extra: "c"`. */
export function describeDiff(d: ManifestDiff): string {
  const parts: string[] = [];
  if (d.changed.length) parts.push(`changed: ${list(d.changed.map((c) => c.name))}`);
  if (d.missing.length) parts.push(`missing: ${list(d.missing)}`);
  if (d.extra.length) parts.push(`extra (unsigned): ${list(d.extra)}`);
  return parts.join('; ');
}
