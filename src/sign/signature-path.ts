import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_SIGNATURE_NAME = 'model.sig';
/** The provenance attestation written inside a folder artifact; like model.sig it is never hashed. */
export const DEFAULT_PROVENANCE_NAME = 'provenance.sig';

/** Where a signature goes by default: `<dir>/model.sig` for a folder, `<file>.sig` beside a file. */
export function defaultSignaturePath(artifact: string): string {
  const resolved = path.resolve(artifact);
  let isDir = false;
  try {
    isDir = fs.statSync(resolved).isDirectory();
  } catch {
    // A missing artifact is reported by the walk with a clear message.
  }
  return isDir ? path.join(resolved, DEFAULT_SIGNATURE_NAME) : `${resolved}.sig`;
}

/** Where a provenance attestation goes by default: `<dir>/provenance.sig`, or `<file>.provenance.sig` beside a file. */
export function defaultProvenancePath(artifact: string): string {
  const resolved = path.resolve(artifact);
  let isDir = false;
  try {
    isDir = fs.statSync(resolved).isDirectory();
  } catch {
    // A missing artifact is reported by the walk with a clear message.
  }
  return isDir ? path.join(resolved, DEFAULT_PROVENANCE_NAME) : `${resolved}.provenance.sig`;
}

/**
 * The attestation files inside a folder artifact that hashing leaves out (relative
 * paths): the given or default signature and the default provenance. Empty for a file.
 */
export function attestationFilesInside(artifact: string, signature: string = defaultSignaturePath(artifact)): string[] {
  const out = new Set<string>();
  for (const f of [signature, defaultProvenancePath(artifact)]) {
    const inside = signatureInside(artifact, f);
    if (inside) out.add(inside);
  }
  return [...out];
}

/** The signature file's path relative to a directory artifact, if it lies inside it (it must not be hashed). */
export function signatureInside(artifact: string, signature: string): string | undefined {
  const root = path.resolve(artifact);
  let rootReal = root;
  try {
    if (!fs.statSync(root).isDirectory()) return undefined;
    rootReal = fs.realpathSync(root);
  } catch {
    return undefined;
  }
  const sig = path.resolve(signature);
  let sigDirReal = path.dirname(sig);
  try {
    sigDirReal = fs.realpathSync(sigDirReal);
  } catch {
    // keep the lexical path
  }
  const rel = path.relative(rootReal, path.join(sigDirReal, path.basename(sig)));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}
