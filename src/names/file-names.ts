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
  // A tree of folded segments: each level maps a segment's collision key to the segment as
  // written and its children, so deep paths cost their length, not the sum of their prefixes.
  interface Node {
    children: Map<string, { segment: string; node: Node }>;
  }
  const root: Node = { children: new Map() };
  for (const name of names) {
    const problem = fileNameProblem(name);
    if (problem) throw new ModelsealError(code, `the file name ${quoted(name)} ${problem}`, { file, details: { name, reason: problem } });
    let node = root;
    let at = 0;
    for (const segment of name.split('/')) {
      at += segment.length + 1;
      const key = collisionKey(segment);
      const seen = node.children.get(key);
      if (seen === undefined) {
        const child: Node = { children: new Map() };
        node.children.set(key, { segment, node: child });
        node = child;
      } else if (seen.segment === segment) {
        node = seen.node;
      } else {
        const prefix = name.slice(0, at - 1);
        const other = prefix.slice(0, prefix.length - segment.length) + seen.segment;
        throw new ModelsealError(code, `the file names ${quoted(other)} and ${quoted(prefix)} are the same name under Unicode case folding or normalization (one file on macOS and Windows)`, {
          file,
          details: { names: [other, prefix] },
        });
      }
    }
  }
}
