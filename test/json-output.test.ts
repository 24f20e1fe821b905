import Ajv2020 from 'ajv/dist/2020';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, REPO } from './helpers/cli';
import { gateFixture } from './helpers/gate-fixture';
import { buildLineageChain } from './helpers/lineage-chain';
import { osSystemPickle } from './helpers/pickle-bytes';
import { tmpDir, writeTree } from './helpers/tmp';

jest.setTimeout(300_000);

const SCHEMAS = path.join(REPO, 'schemas/cli');
const ajv = new Ajv2020({ allErrors: true, strict: false });
for (const f of fs.readdirSync(SCHEMAS)) ajv.addSchema(JSON.parse(fs.readFileSync(path.join(SCHEMAS, f), 'utf8')));
const validator = (schema: string) => {
  const v = ajv.getSchema(`https://modelseal.dev/schemas/cli/${schema}.schema.json`);
  if (!v) throw new Error(`no schema ${schema}`);
  return v;
};

const KEY = path.join(REPO, 'keys-example/publisher-ed25519.key');
const PUB = path.join(REPO, 'keys-example/publisher-ed25519.pub');
const OTHER = path.join(REPO, 'keys-example/untrusted-ed25519.pub');

/** Runs a command with --json and returns what its schema says about the output. */
function checked(schema: string, args: string[], cwd?: string) {
  const r = cli([...args, '--json'], { cwd });
  const valid = r.json !== undefined && (validator(schema)(r.json) as boolean);
  return { status: r.status, ok: r.json?.ok, valid, errors: valid ? null : (validator(schema).errors ?? 'not JSON: ' + r.stdout.slice(0, 300)), json: r.json };
}

describe('every command speaks one JSON vocabulary, checked against schemas/cli/', () => {
  let c: Awaited<ReturnType<typeof buildLineageChain>>;
  let dir: string;
  let model: string;
  beforeAll(async () => {
    c = await buildLineageChain(tmpDir());
    dir = tmpDir();
    model = writeTree(path.join(dir, 'm'), { 'w.bin': 'weights', 'config.json': '{}' });
    fs.writeFileSync(path.join(dir, 'evil.pkl'), osSystemPickle());
  });

  const cases = (): [string, string, string[], number, string?][] => {
    const sh = c.p.bind(c);
    const policy = ['--policy', sh('policy.yaml'), '--attestations', sh('attestations')];
    return [
      // [name, schema, args, expected exit, cwd]
      ['keygen', 'keygen', ['keygen', '--out', path.join(dir, 'k/new')], 0],
      ['keygen refused', 'keygen', ['keygen', '--out', path.join(dir, 'k/new')], 2],
      ['digest', 'digest', ['digest', 'm'], 0, '@dir'],
      ['digest refused', 'digest', ['digest', path.join(dir, 'missing')], 2],
      ['sign', 'sign', ['sign', model, '--key', KEY], 0],
      ['sign refused', 'sign', ['sign', model, '--key', KEY], 2],
      ['verify --key', 'verify', ['verify', 'm', '--key', PUB], 0, '@dir'],
      ['verify refused', 'verify', ['verify', model, '--key', OTHER], 1],
      ['verify --policy', 'verify', ['verify', sh('out', 'adapter'), ...policy], 0],
      ['verify --policy refused', 'verify', ['verify', sh('out', 'adapter'), '--policy', sh('policy.yaml')], 1],
      ['lineage', 'lineage', ['lineage', sh('out', 'adapter'), ...policy], 0],
      ['lineage refused', 'lineage', ['lineage', sh('out', 'adapter'), '--policy', sh('policy.yaml')], 1],
      ['bom', 'bom', ['bom', sh('out', 'adapter'), ...policy, '--out', sh('bom.json')], 0],
      ['bom refused', 'bom', ['bom', sh('out', 'adapter'), '--policy', sh('policy.yaml'), '--out', sh('bom2.json')], 1],
      ['attest', 'attest', ['attest', sh('out', 'ft'), '--kind', 'finetune', '--key', sh('keys', 'trainer.key'), '--base', sh('models', 'base-7b'), '--out', sh('p2.sig')], 0],
      ['attest refused', 'attest', ['attest', sh('out', 'ft'), '--kind', 'finetune', '--key', sh('keys', 'trainer.key'), '--base', sh('nope')], 2],
      ['policy check', 'policy-check', ['policy', 'check', sh('policy.yaml')], 0],
      ['policy check refused', 'policy-check', ['policy', 'check', sh('nope.yaml')], 2],
      ['lock add', 'lock-add', ['lock', 'add', 'acme/base', sh('models', 'base-7b'), '--key', sh('keys', 'publisher.pub'), '--lock', sh('modelseal.lock')], 0],
      ['lock add refused', 'lock-add', ['lock', 'add', 'acme/base', sh('models', 'base-7b'), '--key', sh('keys', 'curator.pub'), '--lock', sh('other.lock')], 1],
      ['lock verify', 'lock-verify', ['lock', 'verify', '--lock', sh('modelseal.lock')], 0],
      ['lock check-name', 'lock-check-name', ['lock', 'check-name', 'acme/base', '--lock', sh('modelseal.lock')], 0],
      ['lock check-name refused', 'lock-check-name', ['lock', 'check-name', 'acme/bose', '--lock', sh('modelseal.lock')], 1],
      ['scan', 'scan', ['scan', sh('models', 'base-7b', 'config.json')], 0],
      ['scan refused', 'scan', ['scan', path.join(dir, 'evil.pkl')], 1],
      ['trust update refused', 'trust-update', ['trust', 'update', '--mirror-url', 'http://127.0.0.1:9', '--output', path.join(dir, 'root.json')], 2],
    ];
  };

  it('each command, on success and on refusal, validates against its schema', () => {
    const seen: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    for (const [name, schema, args, exit, cwd] of cases()) {
      const r = checked(schema, args, cwd === '@dir' ? dir : undefined);
      seen[name] = { status: r.status, ok: r.ok, valid: r.valid, errors: r.errors };
      want[name] = { status: exit, ok: exit === 0, valid: true, errors: null };
    }
    expect(seen).toEqual(want);
  });

  it('lock verify keeps artifacts[] on refusal, and the release and gate commands validate too', async () => {
    fs.appendFileSync(c.p('models', 'base-7b', 'config.json'), ' ');
    const r = checked('lock-verify', ['lock', 'verify', '--lock', c.p('modelseal.lock')]);
    expect({ status: r.status, valid: r.valid, errors: r.errors }).toEqual({ status: 1, valid: true, errors: null });
    expect(r.json.artifacts).toEqual([expect.objectContaining({ name: 'acme/base', ok: false, error: expect.objectContaining({ code: 'ARTIFACT_MISMATCH' }) })]);

    const g = gateFixture();
    const a = await g.artifact('model', 'weights');
    const rel = path.join(g.root, 'release.json');
    const steps: [string, string[], number][] = [
      ['release-create', ['release', 'create', a, '--channel', 'prod', '--version', '1', '--expires', '7d', '--key', g.keyFiles.k1, '--out', rel], 0],
      ['release-create', ['release', 'create', a, '--channel', 'prod', '--version', '1', '--expires', '7d', '--key', g.keyFiles.k1, '--out', rel], 2],
      ['gate', ['gate', a, '--channel', 'prod', '--policy', g.policyFile, '--state', g.stateDir, '--release', rel, '--init'], 1],
      ['release-sign', ['release', 'sign', rel, '--key', g.keyFiles.k2], 0],
      ['release-sign', ['release', 'sign', rel, '--key', g.keyFiles.k2], 2],
      ['gate', ['gate', a, '--channel', 'prod', '--policy', g.policyFile, '--state', g.stateDir, '--release', rel, '--init'], 0],
    ];
    for (const [schema, args, exit] of steps) {
      const s = checked(schema, args);
      expect({ args: args.slice(0, 2), status: s.status, valid: s.valid, errors: s.errors }).toEqual({ args: args.slice(0, 2), status: exit, valid: true, errors: null });
    }
  });

  it('digests carry sha256:, artifact is absolute, and the old names are gone', () => {
    const d = checked('digest', ['digest', 'm'], dir).json;
    expect(d.artifact).toBe(model);
    expect(d.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(d).not.toHaveProperty('method');
    expect(d).not.toHaveProperty('rootDigest');
    expect(validator('digest')({ ...d, method: 'files' })).toBe(false);
    expect(validator('digest')({ ...d, digest: d.digest.slice(7) })).toBe(false);
    const v = checked('verify', ['verify', 'm', '--key', PUB], dir).json;
    expect(v).toMatchObject({ artifact: model, signingMethod: 'key', serialization: 'files' });
  });
});
