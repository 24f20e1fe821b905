import Ajv2020 from 'ajv/dist/2020';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { attestArtifact, loadPrivateKey } from '../src';
import { BUILD_KINDS, parseProvenance, type BuildKind } from '../src/statement/provenance';
import { parseBundle } from '../src/envelope';
import { parseStatement } from '../src/statement';
import { writeKeyPair } from '../src/keys/write';
import { REPO } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';
import { describeWithVectors, vector } from './helpers/vectors';

/**
 * Upstream publishes SLSA Provenance v1 only as CUE and protobuf (no JSON Schema), so
 * schemas/slsa-provenance-v1.schema.json is ours, derived from the spec. These tests
 * hold it to upstream: its field names must be the protobuf JSON names, and it must
 * accept/reject exactly what the in-toto Go reference validator does on its own cases.
 */
function compile(): { slsa: ReturnType<Ajv2020['compile']>; ours: ReturnType<Ajv2020['compile']>; predicate: ReturnType<Ajv2020['compile']>; rd: ReturnType<Ajv2020['compile']> } {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
  const slsaSchema = JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', 'slsa-provenance-v1.schema.json'), 'utf8'));
  ajv.addSchema(slsaSchema);
  return {
    slsa: ajv.getSchema(slsaSchema.$id)!,
    predicate: ajv.compile({ $ref: `${slsaSchema.$id}#/$defs/predicate` }),
    rd: ajv.compile({ $ref: `${slsaSchema.$id}#/$defs/resourceDescriptor` }),
    ours: ajv.compile(JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', 'modelseal-provenance.schema.json'), 'utf8'))),
  };
}

/** message -> JSON field names (lowerCamel of the proto field, or json_name) from a .proto file. */
function protoFields(file: string): Map<string, Set<string>> {
  const text = fs.readFileSync(file, 'utf8');
  const out = new Map<string, Set<string>>();
  for (const m of text.matchAll(/message\s+(\w+)\s*\{([^}]*)\}/g)) {
    const fields = new Set<string>();
    for (const f of m[2].matchAll(/^\s*(?:repeated\s+)?[\w.<>, ]+?\s+(\w+)\s*=\s*\d+\s*(?:\[json_name\s*=\s*"([^"]+)"\])?;/gm)) {
      fields.add(f[2] ?? f[1].replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
    }
    out.set(m[1], fields);
  }
  return out;
}

function schemaProps(node: unknown, at: string, out: Map<string, Set<string>>): void {
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.properties && typeof o.properties === 'object') out.set(at, new Set(Object.keys(o.properties as object)));
  for (const [k, v] of Object.entries(o.properties ?? {})) schemaProps(v, `${at}.${k}`, out);
}

const keyDir = tmpDir('modelseal-prov-');
writeKeyPair(path.join(keyDir, 'k'), 'ed25519');

async function emit(kind: BuildKind, extra: Record<string, unknown> = {}): Promise<unknown> {
  const dir = tmpDir('modelseal-prov-art-');
  writeTree(dir, { 'w.bin': randomBytes(512), ...(kind === 'lora' ? { 'adapter_config.json': '{"base_model_name_or_path":"org/base"}' } : {}) });
  const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
  const bases = kind === 'merge' ? [digest(1), digest(2)] : ['train', 'dataset'].includes(kind) ? [] : [digest(3)];
  const datasets = kind === 'train' ? [digest(4)] : kind === 'dataset' ? [] : [digest(5)];
  const r = await attestArtifact(dir, {
    kind,
    key: loadPrivateKey(path.join(keyDir, 'k.key')),
    bases,
    datasets,
    sources: [`git+https://example.com/org/train@refs/tags/v1@sha256:${'c'.repeat(64)}`],
    parameters: { lr: '2e-4', epochs: '3' },
    builderId: 'https://ci.example.com/trainer',
    license: 'Apache-2.0',
    startedOn: new Date('2026-11-01T10:00:00.123Z'),
    ...extra,
  });
  // What is checked is what was signed: the payload bytes of the written bundle.
  const bundle = parseBundle(JSON.parse(fs.readFileSync(r.provenance, 'utf8')));
  return JSON.parse(bundle.envelope.payload.toString('utf8'));
}

describeWithVectors('SLSA Provenance v1 schema (derived) agrees with upstream', () => {
  const { predicate, rd } = compile();
  const cases = JSON.parse(fs.readFileSync(vector('in-toto-attestation', 'validation-cases.json'), 'utf8')).cases as Array<{ id: string; kind: string; input: unknown; expect: string }>;

  it.each(cases.filter((c) => c.kind === 'slsaProvenanceV1Predicate').map((c) => [c.id, c] as const))('%s', (_id, c) => {
    expect(predicate(c.input)).toBe(c.expect.startsWith('valid'));
  });

  it.each(cases.filter((c) => c.kind === 'resourceDescriptor').map((c) => [c.id, c] as const))('%s', (_id, c) => {
    expect(rd(c.input)).toBe(c.expect.startsWith('valid'));
  });

  it('uses only the field names of the SLSA and in-toto protobufs', () => {
    const proto = new Map([...protoFields(vector('in-toto-attestation', 'schema', 'slsa', 'provenance-v1.proto')), ...protoFields(vector('in-toto-attestation', 'schema', 'in-toto', 'v1', 'resource_descriptor.proto')), ...protoFields(vector('in-toto-attestation', 'schema', 'in-toto', 'v1', 'statement.proto'))]);
    expect(proto.get('BuildDefinition')).toEqual(new Set(['buildType', 'externalParameters', 'internalParameters', 'resolvedDependencies']));
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', 'slsa-provenance-v1.schema.json'), 'utf8'));
    const props = new Map<string, Set<string>>();
    schemaProps(schema, 'statement', props);
    schemaProps(schema.$defs.predicate, 'predicate', props);
    schemaProps(schema.$defs.resourceDescriptor, 'rd', props);
    const expectSame: Array<[string, string]> = [
      ['statement', 'Statement'],
      ['predicate', 'Provenance'],
      ['predicate.buildDefinition', 'BuildDefinition'],
      ['predicate.runDetails', 'RunDetails'],
      ['predicate.runDetails.builder', 'Builder'],
      ['predicate.runDetails.metadata', 'BuildMetadata'],
      ['rd', 'ResourceDescriptor'],
    ];
    for (const [at, message] of expectSame) expect([at, props.get(at)]).toEqual([at, proto.get(message)]);
  });
});

describe('every statement modelseal attest emits', () => {
  const { slsa, ours } = compile();

  it.each(BUILD_KINDS.map((k) => [k]))('validates against the SLSA v1 schema and our profile: %s', async (kind) => {
    const statement = await emit(kind);
    expect([slsa(statement), slsa.errors]).toEqual([true, null]);
    expect([ours(statement), ours.errors]).toEqual([true, null]);
    const parsed = parseProvenance(parseStatement(Buffer.from(JSON.stringify(statement))));
    expect(parsed.kind).toBe(kind);
    expect(parsed.buildType).toBe(`https://modelseal.dev/buildtypes/${kind}/v1`);
    expect(parsed.dependencies[0]).toMatchObject({ role: 'source', uri: 'git+https://example.com/org/train@refs/tags/v1' });
    expect(parsed.startedOn?.toISOString()).toBe('2026-11-01T10:00:00.000Z');
  });

  it('our profile rejects what it does not define, and kind-specific input counts', async () => {
    const lora = (await emit('lora')) as any;
    expect(lora.predicate.buildDefinition.internalParameters).toEqual({ adapterConfig: { baseModelNameOrPath: 'org/base' } });
    expect(lora.predicate.buildDefinition.resolvedDependencies.map((d: any) => d.annotations.role)).toEqual(['source', 'base_model', 'dataset']);
    const extra = structuredClone(lora);
    extra.predicate.buildDefinition.externalParameters.surprise = 'x';
    expect(ours(extra)).toBe(false);
    const twoBases = structuredClone(lora);
    twoBases.predicate.buildDefinition.resolvedDependencies.push({ digest: { sha256: '9'.repeat(64) }, annotations: { role: 'base_model' } });
    expect(ours(twoBases)).toBe(false);
    expect(slsa(twoBases)).toBe(true);
    const badRole = structuredClone(lora);
    badRole.predicate.buildDefinition.resolvedDependencies[1].annotations.role = 'teacher';
    expect(ours(badRole)).toBe(false);
    expect(() => parseProvenance(parseStatement(Buffer.from(JSON.stringify(badRole))))).toThrow(/unknown role "teacher"/);
    const foreign = structuredClone(lora);
    foreign.predicate.buildDefinition.buildType = 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1';
    expect(slsa(foreign)).toBe(true);
    expect(() => parseProvenance(parseStatement(Buffer.from(JSON.stringify(foreign))))).toThrow(expect.objectContaining({ code: 'STATEMENT_INVALID' }));
  });

  it('refuses input counts the kind does not allow', async () => {
    await expect(emit('lora', { bases: [] })).rejects.toMatchObject({ code: 'USAGE_ERROR', message: expect.stringContaining('kind lora needs exactly 1 base model(s), got 0') });
    await expect(emit('merge', { bases: [`sha256:${'1'.repeat(64)}`] })).rejects.toMatchObject({ message: expect.stringContaining('kind merge needs at least 2 base model(s), got 1') });
    await expect(emit('train', { datasets: [] })).rejects.toMatchObject({ message: expect.stringContaining('kind train needs at least 1 dataset(s), got 0') });
    await expect(emit('lora', { bases: ['sha256:ABC'] })).rejects.toMatchObject({ code: 'USAGE_ERROR' });
    await expect(emit('lora', { sources: ['https://x.example/a.tar'] })).rejects.toMatchObject({ message: expect.stringContaining('URI@sha256:') });
    await expect(emit('lora', { builderId: 'not a uri' })).rejects.toMatchObject({ message: expect.stringContaining('is not a URI') });
  });
});

describeWithVectors('real-world SLSA provenance (slsa-github-generator) against the derived schema', () => {
  it('validates the predicate of the delegator v2.1.0 sample', () => {
    const { predicate } = compile();
    const bundle = JSON.parse(fs.readFileSync(vector('in-toto-attestation', 'samples', 'gha-delegator-v2.1.0.provenance-v1.sigstore.json'), 'utf8'));
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect([predicate(statement.predicate), predicate.errors]).toEqual([true, null]);
  });
});
