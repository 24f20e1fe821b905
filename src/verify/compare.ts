import { quoted } from '../names';

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

function list(names: string[], max = 5): string {
  const shown = names.slice(0, max).map((n) => quoted(n)).join(', ');
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
