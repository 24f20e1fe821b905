import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { quoted } from '../names';

export const DEFAULT_SIGNATURE_NAME = 'model.sig';
export const DEFAULT_COSE_SIGNATURE_NAME = 'model.cose';
/** An evaluation attestation inside a folder artifact (`<file>.eval.sig` beside a file). */
export const EVAL_SIGNATURE_NAME = 'eval.sig';
/** The provenance attestation written inside a folder artifact; like model.sig it is never hashed. */
export const DEFAULT_PROVENANCE_NAME = 'provenance.sig';
/** The provenance attestation as a COSE_Sign1 signed statement (`attest --format cose`). */
export const DEFAULT_COSE_PROVENANCE_NAME = 'provenance.cose';

/**
 * Signature and attestation files that sit at the top of a folder artifact. They are
 * never part of what is hashed, so signing (in either format), attesting or digesting
 * never changes the root digest, and both signature forms can sit side by side.
 */
export const SIGNATURE_FILE_NAMES: readonly string[] = [DEFAULT_SIGNATURE_NAME, DEFAULT_COSE_SIGNATURE_NAME, DEFAULT_PROVENANCE_NAME, DEFAULT_COSE_PROVENANCE_NAME, EVAL_SIGNATURE_NAME];

/** `bundle`: an OMS Sigstore bundle (JSON); `cose`: a COSE_Sign1 signed statement (CBOR). */
export type SignatureFormat = 'bundle' | 'cose';
export const SIGNATURE_FORMATS: readonly SignatureFormat[] = ['bundle', 'cose'];

function isDirectory(artifact: string): boolean {
  try {
    return fs.statSync(path.resolve(artifact)).isDirectory();
  } catch {
    return false; // a missing artifact is reported by the walk with a clear message
  }
}

/** `<dir>/<name>` inside a folder artifact, `<file><suffix>` beside a single file. */
function insideOrBeside(artifact: string, name: string, suffix: string): string {
  const resolved = path.resolve(artifact);
  return isDirectory(resolved) ? path.join(resolved, name) : `${resolved}${suffix}`;
}

/**
 * Where a signature goes by default: `<dir>/model.sig` for a folder, `<file>.sig` beside
 * a file; `model.cose` / `<file>.cose` for the COSE form.
 */
export function defaultSignaturePath(artifact: string, format: SignatureFormat = 'bundle'): string {
  return format === 'cose' ? insideOrBeside(artifact, DEFAULT_COSE_SIGNATURE_NAME, '.cose') : insideOrBeside(artifact, DEFAULT_SIGNATURE_NAME, '.sig');
}

/** Where a provenance attestation goes by default: `<dir>/provenance.sig`, or `<file>.provenance.sig` beside a file (`.cose` for COSE). */
export function defaultProvenancePath(artifact: string, format: SignatureFormat = 'bundle'): string {
  return format === 'cose' ? insideOrBeside(artifact, DEFAULT_COSE_PROVENANCE_NAME, '.provenance.cose') : insideOrBeside(artifact, DEFAULT_PROVENANCE_NAME, '.provenance.sig');
}

/** Where an evaluation attestation goes: `<dir>/eval.sig` for a folder, `<file>.eval.sig` beside a file. */
export function defaultEvalSignaturePath(artifact: string): string {
  return insideOrBeside(artifact, EVAL_SIGNATURE_NAME, '.eval.sig');
}

/** The real path an output will have: its longest existing ancestor resolved, the rest of the path appended. */
function realOutputPath(output: string): string {
  let existing = path.resolve(output);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(existing), ...rest);
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return path.resolve(output);
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

/**
 * The one "is this output inside the artifact" decision (sign --signature, attest --out,
 * bom --out): the output's path relative to a directory artifact if it lies inside it,
 * with both real paths resolved first, so naming either through a symlink changes nothing.
 */
export function signatureInside(artifact: string, signature: string): string | undefined {
  const root = path.resolve(artifact);
  let rootReal = root;
  try {
    if (!fs.statSync(root).isDirectory()) return undefined;
    rootReal = fs.realpathSync(root);
  } catch {
    return undefined;
  }
  const rel = path.relative(rootReal, realOutputPath(signature));
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/** Paths to leave out of a folder artifact's manifest: the known signature files, plus `signature` if inside. */
export function signatureIgnores(artifact: string, signature?: string): string[] {
  if (!isDirectory(artifact)) return [];
  const inside = signature ? signatureInside(artifact, signature) : undefined;
  return [...new Set([...SIGNATURE_FILE_NAMES, ...(inside ? [inside] : [])])];
}

/**
 * Refuses an output (a file, or a folder such as the gate's state) that lies inside a
 * folder artifact, with both real paths resolved: writing there would add an unsigned
 * file to the artifact (lock files, gate state, BOMs).
 */
export function refuseOutputInside(artifact: string, output: string, what: string): void {
  const inside = signatureInside(artifact, output);
  if (inside !== undefined) {
    throw new ModelsealError('OUTPUT_UNSAFE', `${what} would be written inside the artifact ${quoted(artifact)} (as ${quoted(inside)}), where it becomes an unsigned file of it; keep it outside`, { file: output });
  }
}

/**
 * `verify m/model.sig` names the signature where the artifact belongs (and would look for
 * `m/model.sig.sig`). When no signature file is given, an artifact that is itself a
 * signature file (by name, with no signature of its own beside it) is a usage error that
 * names what was probably meant.
 */
export function refuseSignatureAsArtifact(artifact: string, signature: string | undefined): void {
  if (signature !== undefined) return;
  const resolved = path.resolve(artifact);
  let st: fs.Stats;
  try {
    st = fs.statSync(resolved);
  } catch {
    return; // a missing artifact is reported by the walk
  }
  const base = path.basename(resolved);
  if (!st.isFile() || !(SIGNATURE_FILE_NAMES.includes(base) || /\.(sig|cose)$/.test(base))) return;
  if (fs.existsSync(defaultSignaturePath(resolved)) || fs.existsSync(defaultSignaturePath(resolved, 'cose'))) return;
  const signed = SIGNATURE_FILE_NAMES.includes(base) ? path.dirname(artifact) || '.' : artifact.replace(/\.(provenance\.|eval\.)?(sig|cose)$/, '');
  throw new ModelsealError('USAGE_ERROR', `is a signature file, not an artifact: give the artifact it signs (${quoted(signed)}), or the artifact and --signature ${quoted(artifact)}`, { file: artifact });
}
