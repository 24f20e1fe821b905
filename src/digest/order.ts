/**
 * Resource ordering as model_signing (Python) writes it: paths compare component
 * by component (PurePosixPath order), each component by Unicode code point; the
 * shards of one file follow in offset order. Plain string order differs, e.g.
 * "a-c" < "a/b" as strings but "a/b" < "a-c" as paths, and ".:8:16" < ".:16:22".
 */

function compareCodePoints(a: string, b: string): number {
  // UTF-8 byte order equals code point order; UTF-16 code unit order does not.
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function comparePaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const c = compareCodePoints(pa[i], pb[i]);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}
