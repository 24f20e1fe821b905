import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ModelsealError } from '../errors';
import { readBoundedFile } from '../envelope/read-json';
import { loadPublicKey } from '../keys/load';
import type { ArtifactRule, ChannelRule, Policy, PolicySigner } from './policy-types';
import { describeSchemaError, schemaValidator } from './schema';

const MAX_POLICY_BYTES = 4 * 1024 * 1024;

type RawSigner = {
  keys?: string[];
  sigstore?: { identity: string; issuer: string; identityRegexp?: boolean; trustedRoot?: string };
  ca?: { roots: string; intermediates?: string };
};
type RawPolicy = {
  signers: Record<string, RawSigner>;
  artifacts?: Array<Omit<ArtifactRule, 'lineage'> & { lineage?: ArtifactRule['lineage'] }>;
  channels?: Record<string, ChannelRule>;
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
    // YAML 1.2 is a superset of JSON; uniqueKeys refuses duplicate keys.
    raw = parseYaml(text, { uniqueKeys: true, maxAliasCount: 0, prettyErrors: false });
  } catch (err) {
    throw invalid(file, `is not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const validate = schemaValidator('policy.schema.json');
  if (!validate(raw)) throw invalid(file, describeSchemaError(validate.errors));
  const p = raw as RawPolicy;
  const base = file ? path.dirname(path.resolve(file)) : process.cwd();

  const signers = new Map<string, PolicySigner>();
  for (const [name, s] of Object.entries(p.signers)) {
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
    channels.set(name, c);
  }
  return { file: file ? path.resolve(file) : undefined, signers, artifacts, channels };
}

export function loadPolicy(file: string): Policy {
  const bytes = readBoundedFile(file, MAX_POLICY_BYTES, { tooLarge: 'POLICY_INVALID' });
  return parsePolicy(bytes.toString('utf8'), file);
}
