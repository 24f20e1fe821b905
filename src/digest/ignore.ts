import * as path from 'node:path';
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
