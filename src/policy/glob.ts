/**
 * Compiles a rule's name glob to an anchored regular expression: `**` matches any
 * run of characters (across `/`), `*` any run within one `/`-separated segment,
 * `?` one character other than `/`. Everything else is literal.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` also matches zero segments, so `a/**/b` matches `a/b`.
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export function matchesGlob(glob: string, name: string): boolean {
  return globToRegExp(glob).test(name);
}

/** Whether a rule name is a pattern rather than one literal name. */
export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}
