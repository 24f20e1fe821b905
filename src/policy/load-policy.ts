import * as fs from 'node:fs';
import * as path from 'node:path';
import { isScalar, LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import { ModelsealError } from '../errors';
import { readBoundedFile } from '../envelope/read-json';
import { loadPublicKey } from '../keys/load';
import type { ArtifactRule, ChannelRule, Policy, PolicySigner } from './policy-types';
import { describeSchemaError, schemaValidator } from './schema';

export const MAX_POLICY_BYTES = 4 * 1024 * 1024;

type RawSigner = {
  keys?: string[];
  sigstore?: { identity: string; issuer: string; identityRegexp?: boolean; trustedRoot?: string };
  ca?: { roots: string; intermediates?: string; validity?: 'now' | 'not-before' };
};
type RawPolicy = {
  signers: Record<string, RawSigner>;
  artifacts?: Array<Omit<ArtifactRule, 'lineage'> & { lineage?: ArtifactRule['lineage'] }>;
  channels?: Record<string, ChannelRule>;
  clockSkewSeconds?: number;
};

function invalid(file: string | undefined, message: string): ModelsealError {
  return new ModelsealError('POLICY_INVALID', message, { file });
}

function resolveFile(base: string, p: string, file: string | undefined): string {
  const abs = path.resolve(base, p);
  if (!fs.existsSync(abs)) throw invalid(file, `names ${p}, which does not exist`);
  return abs;
}

/** Parses policy text (YAML or JSON), validates it against schemas/policy.schema.json, and loads its keys. */
export function parsePolicy(text: string, file?: string): Policy {
  let raw: unknown;
  try {
    // YAML 1.2 is a superset of JSON; uniqueKeys refuses duplicate keys, and aliases are
    // refused outright (no expansion bombs). Warnings (unknown tags such as !!js/function)
    // and other YAML versions (1.1 reads `yes` as true) are refusals too: one reading only.
    const lineCounter = new LineCounter();
    const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false, logLevel: 'silent', lineCounter });
    if (docs.length !== 1) throw new Error(`holds ${docs.length} YAML documents, expected exactly one`);
    const doc = docs[0];
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) throw problem;
    if (doc.directives?.yaml.version !== '1.2') throw new Error(`YAML ${doc.directives?.yaml.version} is not accepted, only YAML 1.2`);
    refuseCollidingKeys(doc, lineCounter);
    raw = doc.toJS({ maxAliasCount: 0 });
  } catch (err) {
    throw invalid(file, `is not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const validate = schemaValidator('policy.schema.json');
  if (!validate(raw)) throw invalid(file, describeSchemaError(validate.errors));
  const p = raw as RawPolicy;
  const base = file ? path.dirname(path.resolve(file)) : process.cwd();

  const signers = new Map<string, PolicySigner>();
  for (const [name, s] of Object.entries(p.signers)) {
    if (s.sigstore?.identityRegexp) checkRegExp(s.sigstore.identity, `/signers/${name}/sigstore/identity`, file);
    if (s.keys) signers.set(name, { name, kind: 'key', keys: s.keys.map((k) => loadPublicKey(resolveFile(base, k, file))) });
    else if (s.sigstore) {
      signers.set(name, {
        name,
        kind: 'sigstore',
        identity: s.sigstore.identity,
        issuer: s.sigstore.issuer,
        identityRegexp: s.sigstore.identityRegexp ?? false,
        ...(s.sigstore.trustedRoot ? { trustedRoot: resolveFile(base, s.sigstore.trustedRoot, file) } : {}),
      });
    } else if (s.ca) {
      signers.set(name, {
        name,
        kind: 'ca',
        roots: resolveFile(base, s.ca.roots, file),
        ...(s.ca.intermediates ? { intermediates: resolveFile(base, s.ca.intermediates, file) } : {}),
        ...(s.ca.validity === 'not-before' ? { validAtNotBefore: true } : {}),
      });
    }
  }
  const known = (refs: string[] | undefined, where: string) => {
    for (const r of refs ?? []) if (!signers.has(r)) throw invalid(file, `${where} names signer ${JSON.stringify(r)}, which is not defined under signers`);
  };
  const artifacts: ArtifactRule[] = (p.artifacts ?? []).map((r, i) => {
    known(r.signers, `/artifacts/${i}/signers`);
    known(r.roots, `/artifacts/${i}/roots`);
    (r.evals ?? []).forEach((e, j) => known(e.evaluators, `/artifacts/${i}/evals/${j}/evaluators`));
    return { ...r, lineage: r.lineage ?? 'none' };
  });
  const channels = new Map<string, ChannelRule>();
  for (const [name, c] of Object.entries(p.channels ?? {})) {
    known(c.signers, `/channels/${name}/signers`);
    // A threshold no set of the channel's keys can reach would refuse every release: a typo, not a policy.
    const keys = new Set(c.signers.flatMap((n) => {
      const s = signers.get(n);
      return s?.kind === 'key' ? s.keys.map((k) => k.id) : [];
    }));
    if (c.threshold > keys.size) throw invalid(file, `/channels/${name}: threshold ${c.threshold} is more than the ${keys.size} distinct key(s) its signers hold`);
    channels.set(name, c);
  }
  return { file: file ? path.resolve(file) : undefined, signers, artifacts, channels, ...(p.clockSkewSeconds !== undefined ? { clockSkewSeconds: p.clockSkewSeconds } : {}) };
}

/**
 * Keys of one mapping must differ as strings: YAML keeps `1` and `"1"` (or `true` and
 * `"true"`) apart, but the JSON object every consumer builds from them does not, and which
 * one survives differs between readers. Complex keys (mappings, lists) are refused too.
 */
function refuseCollidingKeys(doc: Document.Parsed, lines: LineCounter): void {
  const line = (node: { range?: [number, number, number] | null } | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : '?');
  visit(doc, {
    Map(_, map) {
      const seen = new Map<string, unknown>();
      for (const pair of map.items) {
        const key = pair.key as { range?: [number, number, number] | null } | null;
        if (!isScalar(key)) throw new Error(`line ${line(key)}: a mapping key must be a plain string, not a mapping or list`);
        const text = String(key.value);
        const other = seen.get(text) as typeof key | undefined;
        if (other) throw new Error(`keys on lines ${line(other)} and ${line(key)} are the same string ${JSON.stringify(text.slice(0, 64))} once read (e.g. 1 and "1"); write one of them`);
        seen.set(text, key);
      }
    },
  });
}

/** An identity regexp is compiled as the verifier will compile it, so a bad one is a load error, not a crash at verify time. */
function checkRegExp(source: string, where: string, file: string | undefined): void {
  try {
    new RegExp(source, 'u');
  } catch (err) {
    throw invalid(file, `${where}: ${JSON.stringify(source)} is not a valid regular expression (${(err as Error).message})`);
  }
}

/** Policy bytes as text: invalid UTF-8 is refused, not replaced (two readers must see one policy). */
export function decodePolicy(bytes: Buffer, file?: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid(file, 'is not valid UTF-8');
  }
}

export function loadPolicy(file: string): Policy {
  const bytes = readBoundedFile(file, MAX_POLICY_BYTES, { tooLarge: 'POLICY_INVALID' });
  return parsePolicy(decodePolicy(bytes, file), file);
}
