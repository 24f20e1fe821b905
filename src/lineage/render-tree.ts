import type { LineageGraph, LineageNode } from './lineage-types';

function mark(n: LineageNode): string {
  return n.status === 'verified' ? '✓' : n.status === 'failed' ? '✗' : '?';
}

function describe(n: LineageNode): string {
  const what = n.kind ?? (n.role === 'artifact' ? 'artifact' : n.role === 'base_model' ? 'base model' : 'dataset');
  const signers = [...new Set(n.signers.map((s) => s.signer))].join('+') || '-';
  const root = n.trustedRoot ? ' [root]' : '';
  // Known by digest alone: no files were at hand to compare with a signed manifest.
  const byDigest = n.status === 'verified' && !n.filesChecked ? ' [by digest]' : '';
  const reason = n.status === 'failed' && n.error ? `  — ${n.error.code}` : '';
  return `${mark(n)} ${n.name}  ${what}  signer: ${signers}  sha256:${n.digest.slice(0, 12)}${root}${byDigest}${reason}`;
}

/**
 * The lineage as a tree of lines (artifact first). A node reached twice is shown
 * once in full and then as a reference; dependencies never reached are shown as
 * "not checked".
 */
export function renderLineageTree(graph: LineageGraph): string[] {
  const byDigest = new Map(graph.nodes.map((n) => [n.digest, n]));
  const lines: string[] = [];
  const shown = new Set<string>();
  const walk = (n: LineageNode, prefix: string, childPrefix: string) => {
    lines.push(prefix + describe(n) + (shown.has(n.digest) ? '  (see above)' : ''));
    if (shown.has(n.digest)) return;
    shown.add(n.digest);
    const deps = n.followed ? n.dependencies : [];
    deps.forEach((d, i) => {
      const last = i === deps.length - 1;
      const child = byDigest.get(d.sha256);
      const p = childPrefix + (last ? '└─ ' : '├─ ');
      const cp = childPrefix + (last ? '   ' : '│  ');
      if (child) walk(child, p, cp);
      else lines.push(`${p}? ${d.name ?? '_'}  ${d.role === 'base_model' ? 'base model' : 'dataset'}  sha256:${d.sha256.slice(0, 12)}  (not checked)`);
    });
  };
  const top = byDigest.get(graph.digest);
  if (top) walk(top, '', '');
  return lines;
}
