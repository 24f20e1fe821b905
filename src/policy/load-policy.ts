import * as fs from 'node:fs';
import * as path from 'node:path';
import { isScalar, LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import { ModelsealError } from '../errors';
import { readBoundedFile } from '../envelope/read-json';
import { loadPublicKey } from '../keys/load';
import type { ArtifactRule, ChannelRule, Policy, PolicySigner } from './policy-types';
import { reachableSigners } from './rules';
import { describeSchemaErrors, nearestName, schemaValidator } from './schema';

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

/** At most this many problems are listed; the message must not grow with the input. */
const MAX_PROBLEMS = 10;

function problemsError(file: string | undefined, problems: string[]): ModelsealError {
  const shown = problems.slice(0, MAX_PROBLEMS).map((p) => (p.length > 300 ? `${p.slice(0, 297)}...` : p));
  const more = problems.length > MAX_PROBLEMS ? `; and ${problems.length - MAX_PROBLEMS} more` : '';
  return invalid(file, `${problems.length > 1 ? `${problems.length} problems: ` : ''}${shown.join('; ')}${more}`);
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
  const validate = schemaValidator('policy.schema.json', { allErrors: true });
  if (!validate(raw)) throw problemsError(file, describeSchemaErrors(validate.errors));
  const p = raw as RawPolicy;
  const base = file ? path.dirname(path.resolve(file)) : process.cwd();
  // Every problem is collected, so one run of `policy check` lists them all.
  const problems: string[] = [];
  const resolveFile = (p: string, where: string): string | undefined => {
    const abs = path.resolve(base, p);
    if (fs.existsSync(abs)) return abs;
    problems.push(`${where} names ${p}, which does not exist`);
    return undefined;
  };

  const signers = new Map<string, PolicySigner>();
  for (const [name, s] of Object.entries(p.signers)) {
    if (s.sigstore?.identityRegexp) {
      const bad = badRegExp(s.sigstore.identity, `/signers/${name}/sigstore/identity`);
      if (bad) problems.push(bad);
    }
    if (s.keys) {
      const files = s.keys.map((k, i) => resolveFile(k, `/signers/${name}/keys/${i}`));
      if (files.every((f) => f !== undefined)) signers.set(name, { name, kind: 'key', keys: files.map((f) => loadPublicKey(f as string)) });
    } else if (s.sigstore) {
      const trustedRoot = s.sigstore.trustedRoot ? resolveFile(s.sigstore.trustedRoot, `/signers/${name}/sigstore/trustedRoot`) : undefined;
      signers.set(name, {
        name,
        kind: 'sigstore',
        identity: s.sigstore.identity,
        issuer: s.sigstore.issuer,
        identityRegexp: s.sigstore.identityRegexp ?? false,
        ...(trustedRoot ? { trustedRoot } : {}),
      });
    } else if (s.ca) {
      const roots = resolveFile(s.ca.roots, `/signers/${name}/ca/roots`);
      const intermediates = s.ca.intermediates ? resolveFile(s.ca.intermediates, `/signers/${name}/ca/intermediates`) : undefined;
      if (roots) signers.set(name, { name, kind: 'ca', roots, ...(intermediates ? { intermediates } : {}), ...(s.ca.validity === 'not-before' ? { validAtNotBefore: true } : {}) });
    }
  }
  const defined = Object.keys(p.signers);
  const known = (refs: string[] | undefined, where: string) => {
    for (const r of refs ?? []) {
      if (defined.includes(r)) continue;
      const near = nearestName(r, defined);
      problems.push(`${where} names signer ${JSON.stringify(r)}, which is not defined under signers${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`);
    }
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
    // A threshold no set of the channel's signers can reach would refuse every release: a typo, not a policy.
    if (c.signers.every((n) => signers.has(n))) {
      const reachable = reachableSigners(c.signers.map((n) => signers.get(n) as PolicySigner));
      if (reachable !== null && c.threshold > reachable) problems.push(`/channels/${name}: threshold ${c.threshold} is more than the ${reachable} distinct key(s) and exact Sigstore identities its signers hold`);
    }
    channels.set(name, c);
  }
  if (problems.length > 0) throw problemsError(file, problems);
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
function badRegExp(source: string, where: string): string | undefined {
  try {
    new RegExp(source, 'u');
    return undefined;
  } catch (err) {
    return `${where}: ${JSON.stringify(source.length > 100 ? `${source.slice(0, 97)}...` : source)} is not a valid regular expression (${(err as Error).message.slice(0, 200)})`;
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
