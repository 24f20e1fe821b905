import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathExists } from '../util/path-exists';
import { ModelsealError } from '../errors';
import { quoted } from '../names';

/** Paths model_signing ignores by default, at the top level of a directory artifact. */
export const DEFAULT_IGNORES: readonly string[] = ['.git', '.gitattributes', '.github', '.gitignore'];


/**
 * Normalizes an ignore path to a POSIX path relative to the artifact root.
 * Absolute paths must lie inside the root; relative ones are taken relative to it.
 * Globs, `..` and empty paths are refused (OMS §6.2.1).
 */
export function normalizeIgnorePath(root: string, p: string): string {
  if (typeof p !== 'string' || p.length === 0) {
    throw new ModelsealError('USAGE_ERROR', 'an ignore path is empty');
  }
  let rel = p;
  if (path.isAbsolute(p)) {
    rel = path.relative(root, p);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new ModelsealError('USAGE_ERROR', `ignore path ${p} is outside the artifact ${root}`);
    }
  }
  rel = rel.split(path.sep).join('/').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (rel === '' || rel === '.' || rel.split('/').some((s) => s === '..' || s === '' || s === '.') || /[*?[\]\\\0]/.test(rel)) {
    throw new ModelsealError('USAGE_ERROR', `invalid ignore path ${quoted(p)}: give a plain path inside the artifact (no globs, no "..")`);
  }
  return rel;
}

/** True if `rel` is one of the ignore paths or lies under one of them. */
export function isIgnored(rel: string, ignores: ReadonlySet<string>): boolean {
  if (ignores.has(rel)) return true;
  let i = rel.indexOf('/');
  while (i !== -1) {
    if (ignores.has(rel.slice(0, i))) return true;
    i = rel.indexOf('/', i + 1);
  }
  return false;
}

export interface ResolvedIgnorePaths {
  /** POSIX paths relative to the artifact root, for `ignorePaths`. */
  paths: string[];
  /** One line per ignore path that was dropped or matches nothing. */
  warnings: string[];
}


/** realpath of the deepest existing ancestor, the rest appended: the last component (a link, say) is kept by its name. */
function resolveLoosely(p: string): string {
  const parent = path.dirname(p);
  if (parent === p) return p;
  let real: string;
  try {
    real = fs.realpathSync(parent);
  } catch {
    real = resolveLoosely(parent);
  }
  return path.join(real, path.basename(p));
}

function insideRel(rootReal: string, target: string): string | undefined {
  const rel = path.relative(rootReal, target);
  if (rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/**
 * `--ignore-paths` as model_signing resolves it: a relative path is taken from the current
 * folder (`cwd`), and kept only if it lands inside the artifact. Where that finds nothing and
 * the same path taken inside the artifact does exist (the only existing reading), that one is
 * used. Paths that are dropped or match nothing are reported in `warnings`; a path outside the
 * artifact is never an error (model_signing skips it too), but it is never silent either.
 */
export function resolveIgnorePathsFromCwd(artifact: string, given: readonly string[], cwd: string = process.cwd()): ResolvedIgnorePaths {
  const out: ResolvedIgnorePaths = { paths: [], warnings: [] };
  if (given.length === 0) return out;
  let rootReal: string;
  try {
    rootReal = fs.realpathSync(path.resolve(cwd, artifact));
    if (!fs.statSync(rootReal).isDirectory()) return { paths: [...given], warnings: [] }; // a single file has nothing to ignore
  } catch {
    return { paths: [...given], warnings: [] }; // the walk reports a missing artifact
  }
  const show = (p: string) => JSON.stringify(p);
  for (const p of given) {
    if (typeof p !== 'string' || p.length === 0) throw new ModelsealError('USAGE_ERROR', 'an ignore path is empty');
    const fromCwd = resolveLoosely(path.resolve(cwd, p));
    const relCwd = insideRel(rootReal, fromCwd);
    const cwdExists = pathExists(fromCwd);
    const inArtifact = path.isAbsolute(p) ? undefined : path.join(rootReal, p);
    const artifactExists = inArtifact !== undefined && insideRel(rootReal, path.resolve(inArtifact)) !== undefined && pathExists(inArtifact);
    if (relCwd !== undefined && cwdExists) {
      out.paths.push(normalizeIgnorePath(rootReal, path.join(rootReal, relCwd)));
    } else if (!cwdExists && artifactExists) {
      out.paths.push(normalizeIgnorePath(rootReal, path.resolve(inArtifact as string)));
    } else if (relCwd !== undefined) {
      out.paths.push(normalizeIgnorePath(rootReal, path.join(rootReal, relCwd)));
      out.warnings.push(`ignore path ${show(p)} matches nothing in the artifact (${show(relCwd)} does not exist)`);
    } else if (cwdExists && artifactExists) {
      out.warnings.push(`ignore path ${show(p)} is outside the artifact from the current folder (${fromCwd}), so it ignores nothing; to ignore the artifact's ${show(p)}, give it from the current folder or as an absolute path`);
    } else {
      out.warnings.push(`ignore path ${show(p)} matches nothing (${cwdExists ? 'it is outside the artifact' : 'no such file, from the current folder or in the artifact'})`);
    }
  }
  return out;
}
