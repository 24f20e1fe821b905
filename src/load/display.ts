/** A name from a file (entry names, pickle globals) made safe for a terminal line: control characters escaped, length bounded. */
export function displayName(s: string, max = 200): string {
  const t = s.length > max ? `${s.slice(0, max)}…` : s;
  // eslint-disable-next-line no-control-regex
  return t.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
