import { ModelsealError } from '../errors';

/**
 * An `oci://HOST[:PORT]/REPOSITORY[:TAG][@sha256:HEX]` reference, checked against the
 * distribution spec's grammar so nothing an attacker types reaches a URL unescaped.
 */
export interface OciReference {
  /** host[:port] as given (lower-cased). */
  registry: string;
  repository: string;
  tag?: string;
  /** `sha256:<hex>` when pinned by digest. */
  digest?: string;
  /** What was asked for, for messages. */
  text: string;
}

export const OCI_SCHEME = 'oci://';
const REPO = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/;

export function isOciReference(s: string): boolean {
  return s.startsWith(OCI_SCHEME);
}

function bad(text: string, why: string): ModelsealError {
  return new ModelsealError('USAGE_ERROR', `${JSON.stringify(text.slice(0, 300))} is not an OCI reference oci://HOST/REPOSITORY:TAG or @sha256:DIGEST (${why})`);
}

export function parseOciReference(text: string): OciReference {
  if (!isOciReference(text) || text.length > 1024) throw bad(text, text.length > 1024 ? 'too long' : 'no oci:// prefix');
  const rest = text.slice(OCI_SCHEME.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) throw bad(text, 'no repository');
  const registry = rest.slice(0, slash).toLowerCase();
  if (!HOST.test(registry)) throw bad(text, 'bad host');
  let name = rest.slice(slash + 1);
  let digest: string | undefined;
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(text, 'the digest must be sha256:<64 hex>');
  }
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon >= 0) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG.test(tag)) throw bad(text, 'bad tag');
  }
  if (!REPO.test(name) || name.length > 255) throw bad(text, 'bad repository name');
  if (!tag && !digest) tag = 'latest';
  return { registry, repository: name, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}), text };
}

/** The last path component of the repository: the model's name, as a folder's base name is. */
export function repositoryBaseName(ref: OciReference): string {
  return ref.repository.slice(ref.repository.lastIndexOf('/') + 1);
}

/** The host name without port or brackets. */
export function hostName(registry: string): string {
  const m = /^\[([^\]]+)\]/.exec(registry);
  if (m) return m[1];
  return registry.replace(/:[0-9]+$/, '');
}

/** Loopback hosts, the only ones plain HTTP is allowed for. */
export function isLoopbackHost(registry: string): boolean {
  const h = hostName(registry);
  return h === 'localhost' || h === '::1' || /^127\.(?:[0-9]{1,3}\.){2}[0-9]{1,3}$/.test(h);
}

export function formatReference(ref: OciReference, digest?: string): string {
  const d = digest ?? ref.digest;
  return `${OCI_SCHEME}${ref.registry}/${ref.repository}${ref.tag && !digest ? `:${ref.tag}` : ''}${d ? `@${d}` : ''}`;
}
