import { ModelsealError, type ErrorCode } from '../errors';
import { collisionKey } from './case-fold';
import { quoted } from './display';
import { findUnsafeCharacter } from './unsafe';

/** Why a single file name is refused, or undefined: a character no name may hold. */
export function fileNameProblem(name: string): string | undefined {
  const bad = findUnsafeCharacter(name);
  return bad ? `holds ${bad.text}` : undefined;
}

/**
 * The one check of the names of an artifact's files, at sign (the walker) and at
 * verify (the signed manifest): no unsafe character, and no two names (or folder
 * prefixes) that are the same file once a file system folds case or normalizes
 * (model.safetensors / model.safetenſors, Dir/a / dir/a, a file A beside a folder a/).
 * Throws `code` naming the first offending name, escaped.
 */
export function checkFileNames(names: Iterable<string>, code: ErrorCode, file?: string): void {
  const byKey = new Map<string, string>();
  for (const name of names) {
    const problem = fileNameProblem(name);
    if (problem) throw new ModelsealError(code, `the file name ${quoted(name)} ${problem}`, { file, details: { name, reason: problem } });
    const parts = name.split('/');
    let prefix = '';
    for (const part of parts) {
      prefix = prefix ? `${prefix}/${part}` : part;
      const key = collisionKey(prefix);
      const other = byKey.get(key);
      if (other === undefined) byKey.set(key, prefix);
      else if (other !== prefix) {
        throw new ModelsealError(code, `the file names ${quoted(other)} and ${quoted(prefix)} are the same name under Unicode case folding or normalization (one file on macOS and Windows)`, {
          file,
          details: { names: [other, prefix] },
        });
      }
    }
  }
}
