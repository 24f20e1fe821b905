/**
 * Resource ordering as model_signing (Python) writes it: paths compare component
 * by component (PurePosixPath order), each component by Unicode code point; the
 * shards of one file follow in offset order. Plain string order differs, e.g.
 * "a-c" < "a/b" as strings but "a/b" < "a-c" as paths, and ".:8:16" < ".:16:22".
 */

const SLASH = 0x2f;

/**
 * Decided at the first code unit where the paths differ (a million-name sort made two
 * arrays and four buffers per comparison): the components before it are equal; a "/"
 * there ends one path's component, which is then a prefix of the other's and sorts
 * first; otherwise the code points there decide (codePointAt reads a whole surrogate
 * pair, so astral characters sort after U+E000-U+FFFF as in Python). A path that is a
 * prefix of the other has fewer or shorter components and sorts first.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  if (a.charCodeAt(i) === SLASH) return -1;
  if (b.charCodeAt(i) === SLASH) return 1;
  return (a.codePointAt(i) as number) - (b.codePointAt(i) as number);
}
