import { ModelsealError } from '../errors';

/**
 * RFC 7512 PKCS#11 URIs (`pkcs11:token=…;object=…?module-path=…&pin-source=…`), the
 * form cosign and model_signing accept. Written here rather than taken from a
 * library because the reading must be strict: an attribute given twice, an unknown
 * standard attribute, a malformed percent escape or a relative module path is a
 * refusal, never a guess about which token or key was meant.
 */

const PATH_ATTRS = [
  'token', 'manufacturer', 'serial', 'model',
  'library-manufacturer', 'library-description', 'library-version',
  'slot-description', 'slot-manufacturer', 'slot-id',
  'object', 'id', 'type',
] as const;
const QUERY_ATTRS = ['pin-source', 'pin-value', 'module-name', 'module-path'] as const;

export type Pkcs11PathAttr = (typeof PATH_ATTRS)[number];
export type Pkcs11QueryAttr = (typeof QUERY_ATTRS)[number];

export interface Pkcs11Uri {
  /** Path attributes (strings UTF-8 decoded), except `id`. */
  path: Partial<Record<Exclude<Pkcs11PathAttr, 'id'>, string>>;
  /** CKA_ID: raw bytes. */
  id?: Buffer;
  query: Partial<Record<Pkcs11QueryAttr, string>>;
}

export const PKCS11_PREFIX = 'pkcs11:';
const MAX_URI = 4096;

function bad(reason: string): ModelsealError {
  return new ModelsealError('USAGE_ERROR', `the pkcs11: URI ${reason}`);
}

/** Percent-decoding to bytes; any "%" not followed by two hex digits is refused. */
function pctBytes(value: string, name: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '%') {
      const hex = value.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw bad(`has a malformed percent escape in ${name}`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      const code = c.charCodeAt(0);
      if (code < 0x21 || code > 0x7e) throw bad(`has a character that must be percent-encoded in ${name}`);
      out.push(code);
    }
  }
  return Buffer.from(out);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function pctString(value: string, name: string): string {
  const bytes = pctBytes(value, name);
  let s: string;
  try {
    s = utf8.decode(bytes);
  } catch {
    throw bad(`has an ${name} that is not UTF-8`);
  }
  if (/[\u0000-\u001f\u007f]/.test(s)) throw bad(`has a control character in ${name}`);
  return s;
}

function pairs(part: string, sep: string, where: string): Array<[string, string]> {
  if (part === '') return [];
  return part.split(sep).map((item) => {
    const eq = item.indexOf('=');
    // The item itself is not echoed: a mistyped pin-value would print the PIN.
    if (eq <= 0) throw bad(`has a ${where} attribute without a name or "="`);
    return [item.slice(0, eq).toLowerCase(), item.slice(eq + 1)];
  });
}

export function isPkcs11Uri(reference: string): boolean {
  return reference.slice(0, PKCS11_PREFIX.length).toLowerCase() === PKCS11_PREFIX;
}

export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (!isPkcs11Uri(uri)) throw bad('does not start with pkcs11:');
  if (uri.length > MAX_URI) throw bad(`is longer than ${MAX_URI} characters`);
  const rest = uri.slice(PKCS11_PREFIX.length);
  const q = rest.indexOf('?');
  const pathPart = q < 0 ? rest : rest.slice(0, q);
  const queryPart = q < 0 ? '' : rest.slice(q + 1);
  if (rest.includes('#')) throw bad('has a fragment (#)');
  const out: Pkcs11Uri = { path: {}, query: {} };
  const seen = new Set<string>();
  for (const [name, value] of pairs(pathPart, ';', 'path')) {
    if (seen.has(name)) throw bad(`gives ${name} twice`);
    seen.add(name);
    if (name.startsWith('x-')) continue; // vendor attributes: allowed by RFC 7512, not used
    if (!(PATH_ATTRS as readonly string[]).includes(name)) throw bad(`has an unknown path attribute ${JSON.stringify(name.slice(0, 40))}`);
    if (name === 'id') out.id = pctBytes(value, name);
    else out.path[name as Exclude<Pkcs11PathAttr, 'id'>] = pctString(value, name);
  }
  for (const [name, value] of pairs(queryPart, '&', 'query')) {
    if (seen.has(name)) throw bad(`gives ${name} twice`);
    seen.add(name);
    if (name.startsWith('x-')) continue;
    if (!(QUERY_ATTRS as readonly string[]).includes(name)) throw bad(`has an unknown query attribute ${JSON.stringify(name.slice(0, 40))}`);
    out.query[name as Pkcs11QueryAttr] = pctString(value, name);
  }
  const type = out.path.type;
  if (type !== undefined && type !== 'private' && type !== 'public') throw bad(`names type=${JSON.stringify(type.slice(0, 20))}; a signing key is type=private (or public for verify)`);
  if (out.path['slot-id'] !== undefined && !/^[0-9]{1,20}$/.test(out.path['slot-id'])) throw bad('has a slot-id that is not a decimal number');
  if (out.path.object === undefined && out.id === undefined) throw bad('names no key: give object=LABEL or id=%XX…');
  return out;
}

/** The URI without pin-value (the only secret it can hold), for messages and --json. */
export function redactPkcs11Uri(uri: Pkcs11Uri): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%3A/gi, ':');
  const p = Object.entries(uri.path).map(([k, v]) => `${k}=${enc(v as string)}`);
  if (uri.id) p.push(`id=${[...uri.id].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`);
  const q = Object.entries(uri.query)
    .filter(([k]) => k !== 'pin-value')
    .map(([k, v]) => `${k}=${k === 'module-path' || k === 'pin-source' ? encodeURI(v as string) : enc(v as string)}`);
  return `${PKCS11_PREFIX}${p.join(';')}${q.length ? `?${q.join('&')}` : ''}`;
}
