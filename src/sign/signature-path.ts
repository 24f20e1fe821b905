import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_SIGNATURE_NAME = 'model.sig';
export const DEFAULT_COSE_SIGNATURE_NAME = 'model.cose';

/** `bundle`: an OMS Sigstore bundle (JSON); `cose`: a COSE_Sign1 signed statement (CBOR). */
export type SignatureFormat = 'bundle' | 'cose';
export const SIGNATURE_FORMATS: readonly SignatureFormat[] = ['bundle', 'cose'];

/**
 * Where a signature goes by default: `<dir>/model.sig` for a folder, `<file>.sig` beside
 * a file; `model.cose` / `<file>.cose` for the COSE form.
 */
export function defaultSignaturePath(artifact: string, format: SignatureFormat = 'bundle'): string {
  const resolved = path.resolve(artifact);
  let isDir = false;
  try {
    isDir = fs.statSync(resolved).isDirectory();
  } catch {
    // A missing artifact is reported by the walk with a clear message.
  }
  if (format === 'cose') return isDir ? path.join(resolved, DEFAULT_COSE_SIGNATURE_NAME) : `${resolved}.cose`;
  return isDir ? path.join(resolved, DEFAULT_SIGNATURE_NAME) : `${resolved}.sig`;
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

/**
 * Signature files inside a folder artifact to leave out of what is signed: the one
 * being written, and for the COSE form also the default bundle `model.sig`, so a
 * folder can carry both forms (the COSE one signed after or before the bundle).
 */
export function siblingSignaturesInside(artifact: string, signature: string, format: SignatureFormat): string[] {
  const out = new Set<string>();
  const own = signatureInside(artifact, signature);
  if (own) out.add(own);
  if (format === 'cose') {
    const bundle = signatureInside(artifact, defaultSignaturePath(artifact, 'bundle'));
    if (bundle) out.add(bundle);
  }
  return [...out];
}
