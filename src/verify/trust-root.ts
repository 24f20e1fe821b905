import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// Types only at the top: the Sigstore packages load where a root is parsed or used (start-up, issue 16).
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import type { KeyFinderFunc, TrustMaterial } from '@sigstore/verify';
import { ModelsealError } from '../errors';
import { parseJson, readBoundedFile } from '../envelope/read-json';

/** The public-good Sigstore trusted root shipped with modelseal (see trust/README.md for its source and date). */
export const SHIPPED_TRUSTED_ROOT = path.resolve(__dirname, '..', '..', 'trust', 'trusted_root.json');

const MAX_TRUST_ROOT_BYTES = 4 * 1024 * 1024;

export interface LoadedTrustedRoot {
  root: TrustedRoot;
  /** Where it came from: a file path, or "shipped" / "updated" plus the path. */
  source: string;
}

/** Folder holding the root written by `modelseal trust update` ($MODELSEAL_TRUST_DIR, else ~/.config/modelseal). */
export function trustDir(): string {
  if (process.env.MODELSEAL_TRUST_DIR) return path.resolve(process.env.MODELSEAL_TRUST_DIR);
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'modelseal');
}

export function updatedTrustedRootPath(): string {
  return path.join(trustDir(), 'trusted_root.json');
}

/** The root used when none is given: the one `trust update` fetched, else the shipped snapshot. */
export function defaultTrustedRootPath(): string {
  const updated = updatedTrustedRootPath();
  return fs.existsSync(updated) ? updated : SHIPPED_TRUSTED_ROOT;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function requireStart(validFor: unknown, where: string, bad: (m: string) => ModelsealError): void {
  // @sigstore/verify 3.1 reads a missing start as "since the beginning of time"; a root
  // with an open start is malformed (sigstore-conformance trust-root-tlog-missing-validity-start_fail).
  if (!isObject(validFor) || typeof validFor.start !== 'string' || Number.isNaN(Date.parse(validFor.start))) {
    throw bad(`${where} has no validFor.start`);
  }
  if (validFor.end !== undefined && validFor.end !== null && (typeof validFor.end !== 'string' || Number.isNaN(Date.parse(validFor.end)))) {
    throw bad(`${where} has a malformed validFor.end`);
  }
}

/** Checks a trusted_root.json document more strictly than the protobuf reader does, then parses it. */
export function parseTrustedRoot(json: unknown, file?: string): TrustedRoot {
  const bad = (m: string) => new ModelsealError('TRUST_ROOT_INVALID', m, { file });
  if (!isObject(json)) throw bad('is not a JSON object');
  if (typeof json.mediaType !== 'string' || !json.mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')) {
    throw bad(`is not a Sigstore trusted root (mediaType ${JSON.stringify(json.mediaType)})`);
  }
  for (const kind of ['tlogs', 'ctlogs'] as const) {
    const list = json[kind] ?? [];
    if (!Array.isArray(list)) throw bad(`${kind} is not a list`);
    list.forEach((t, i) => {
      if (!isObject(t) || !isObject(t.publicKey) || typeof t.publicKey.rawBytes !== 'string') throw bad(`${kind}[${i}] has no public key`);
      requireStart(t.publicKey.validFor, `${kind}[${i}] (${String(t.baseUrl ?? '')})`, bad);
    });
  }
  for (const kind of ['certificateAuthorities', 'timestampAuthorities'] as const) {
    const list = json[kind] ?? [];
    if (!Array.isArray(list)) throw bad(`${kind} is not a list`);
    list.forEach((c, i) => {
      const certs = isObject(c) && isObject(c.certChain) ? c.certChain.certificates : undefined;
      if (!Array.isArray(certs) || certs.length === 0) throw bad(`${kind}[${i}] has no certificates`);
      requireStart((c as Obj).validFor, `${kind}[${i}] (${String((c as Obj).uri ?? '')})`, bad);
    });
  }
  const { TrustedRoot } = require('@sigstore/protobuf-specs') as typeof import('@sigstore/protobuf-specs');
  try {
    return TrustedRoot.fromJSON(json);
  } catch (err) {
    throw bad(`cannot be read: ${(err as Error).message}`);
  }
}

/** Reads a trusted root file; without a file, the default (updated, else shipped) root. */
export function loadTrustedRoot(file?: string): LoadedTrustedRoot {
  const p = path.resolve(file ?? defaultTrustedRootPath());
  const bytes = readBoundedFile(p, MAX_TRUST_ROOT_BYTES);
  const root = parseTrustedRoot(parseJson(bytes, p, 'TRUST_ROOT_INVALID', 'the trusted root'), p);
  const source = file ? p : p === SHIPPED_TRUSTED_ROOT ? `shipped public-good root (${p})` : `updated root (${p})`;
  return { root, source };
}

/** Turns a trusted root (plus optional managed keys) into @sigstore/verify trust material. */
export function trustMaterialFor(loaded: LoadedTrustedRoot, keys?: KeyFinderFunc): TrustMaterial {
  const { toTrustMaterial } = require('@sigstore/verify') as typeof import('@sigstore/verify');
  try {
    return toTrustMaterial(loaded.root, keys);
  } catch (err) {
    throw new ModelsealError('TRUST_ROOT_INVALID', `holds an unusable key or certificate: ${(err as Error).message}`, { file: loaded.source, cause: err });
  }
}
