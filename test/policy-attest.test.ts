import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { digestArtifact, signArtifact, loadPrivateKey } from '../src';
import { loadPolicy, parsePolicy, verifyBundleAgainstSigners, findRule } from '../src/policy';
import { parseBundle } from '../src/envelope';
import { matchesGlob } from '../src/policy/glob';
import { writeKeyPair } from '../src/keys/write';
import { cli } from './helpers/cli';
import { snapshotTree, tmpDir, writeTree } from './helpers/tmp';

const dir = tmpDir('modelseal-policy-');
fs.mkdirSync(path.join(dir, 'keys'));
writeKeyPair(path.join(dir, 'keys', 'pub'), 'ed25519');
writeKeyPair(path.join(dir, 'keys', 'other'), 'ecdsa-p384');

function policyText(body: string): string {
  return `apiVersion: modelseal.dev/policy/v1
signers:
  publisher: { keys: [keys/pub.pub] }
  fulcio: { sigstore: { identity: "trainer@example.com", issuer: "https://accounts.example.com" } }
${body}`;
}

function writePolicy(name: string, body: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, policyText(body));
  return f;
}

describe('policy rules', () => {
  it('matches names with *, ** and ?', () => {
    expect(matchesGlob('adapters/*', 'adapters/a')).toBe(true);
    expect(matchesGlob('adapters/*', 'adapters/a/b')).toBe(false);
    expect(matchesGlob('adapters/**', 'adapters/a/b')).toBe(true);
    expect(matchesGlob('a/**/b', 'a/b')).toBe(true);
    expect(matchesGlob('base-?b', 'base-7b')).toBe(true);
    expect(matchesGlob('base-7b', 'base-7bx')).toBe(false);
    expect(matchesGlob('llama-2.7b', 'llama-2x7b')).toBe(false);
  });

  it('takes the first matching rule and loads lineage fields', () => {
    const p = parsePolicy(
      policyText(`artifacts:
  - name: "adapters/**"
    signers: [publisher]
    kinds: [lora]
    builders: [https://ci.example.com/trainer]
    lineage: required
    roots: [publisher]
    maxDepth: 3
    maxAgeDays: 90
  - name: "**"
    signers: [publisher]
`),
      path.join(dir, 'inline.yaml'),
    );
    expect(findRule(p, 'adapters/x/y')).toMatchObject({ kinds: ['lora'], lineage: 'required', roots: ['publisher'], maxDepth: 3, maxAgeDays: 90 });
    expect(findRule(p, 'base')).toMatchObject({ name: '**', lineage: 'none' });
  });

  it.each([
    ['an unknown field', `artifacts:\n  - { name: a, signers: [publisher], kindz: [lora] }\n`, /unknown field "kindz"/],
    ['an unknown kind', `artifacts:\n  - { name: a, signers: [publisher], kinds: [lora, retrain] }\n`, /kinds\/1/],
    ['lineage required without roots', `artifacts:\n  - { name: a, signers: [publisher], lineage: required }\n`, /missing field "roots"/],
    ['an undefined root signer', `artifacts:\n  - { name: a, signers: [publisher], roots: [curator] }\n`, /roots names signer "curator"/],
    ['a bad maxAgeDays', `artifacts:\n  - { name: a, signers: [publisher], maxAgeDays: 0 }\n`, /maxAgeDays/],
  ])('refuses %s (exit 2)', (_what, body, message) => {
    const f = writePolicy(`bad-${randomBytes(3).toString('hex')}.yaml`, body);
    expect(() => loadPolicy(f)).toThrow(expect.objectContaining({ code: 'POLICY_INVALID', message: expect.stringMatching(message) }));
    const r = cli(['policy', 'check', f]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\[POLICY_INVALID\]\n$/);
  });

  it('policy check accepts a valid policy and lists its rules', () => {
    const f = writePolicy('good.yaml', `artifacts:\n  - { name: "adapters/*", signers: [publisher], lineage: required, roots: [publisher], kinds: [lora] }\nchannels:\n  prod: { signers: [publisher], threshold: 1 }\n`);
    const r = cli(['policy', 'check', f, '--json']);
    expect(r.status).toBe(0);
    expect(r.json).toMatchObject({ ok: true, artifacts: [{ name: 'adapters/*', lineage: 'required' }], channels: { prod: { threshold: 1 } } });
    expect(r.json.signers.map((s: { name: string; kind: string }) => `${s.name}:${s.kind}`)).toEqual(['publisher:key', 'fulcio:sigstore']);
  });
});

describe('verifyBundleAgainstSigners', () => {
  const art = writeTree(tmpDir(), { 'w.bin': randomBytes(100) });
  const policy = () => loadPolicy(writePolicy('signers.yaml', 'artifacts: []\n'));

  it('names the signer, refuses unknown keys and tampered payloads', async () => {
    await signArtifact(art, { key: loadPrivateKey(path.join(dir, 'keys', 'pub.key')), force: true });
    const bundleJson = JSON.parse(fs.readFileSync(path.join(art, 'model.sig'), 'utf8'));
    const p = policy();
    expect(verifyBundleAgainstSigners(parseBundle(bundleJson), [...p.signers.values()]).signer.name).toBe('publisher');
    const tampered = structuredClone(bundleJson);
    const payload = JSON.parse(Buffer.from(tampered.dsseEnvelope.payload, 'base64').toString());
    payload.subject[0].name = 'renamed';
    tampered.dsseEnvelope.payload = Buffer.from(JSON.stringify(payload)).toString('base64');
    expect(() => verifyBundleAgainstSigners(parseBundle(tampered), [...p.signers.values()])).toThrow(expect.objectContaining({ code: 'SIGNATURE_MISMATCH' }));
    await signArtifact(art, { key: loadPrivateKey(path.join(dir, 'keys', 'other.key')), force: true });
    const other = parseBundle(JSON.parse(fs.readFileSync(path.join(art, 'model.sig'), 'utf8')));
    expect(() => verifyBundleAgainstSigners(other, [...p.signers.values()])).toThrow(expect.objectContaining({ code: 'UNTRUSTED_SIGNER' }));
  });

  it('hands certificate material to the certificate verifier, and refuses it when only keys are trusted', () => {
    const p = policy();
    const keyBundle = JSON.parse(fs.readFileSync(path.join(art, 'model.sig'), 'utf8'));
    const certBundle = { ...keyBundle, verificationMaterial: { certificate: { rawBytes: Buffer.from('not really DER').toString('base64') }, tlogEntries: [] } };
    const certificateSigners = [{ name: 'ci', kind: 'sigstore' as const, identity: 'ci@example.com', issuer: 'https://issuer.example.com', identityRegexp: false }];
    expect(() => verifyBundleAgainstSigners(parseBundle(certBundle), certificateSigners)).toThrow(expect.objectContaining({ code: 'BUNDLE_INVALID' }));
    const keysOnly = [...p.signers.values()].filter((s) => s.kind === 'key');
    expect(() => verifyBundleAgainstSigners(parseBundle(certBundle), keysOnly)).toThrow(expect.objectContaining({ code: 'UNTRUSTED_SIGNER' }));
  });
});

describe('modelseal attest', () => {
  const root = tmpDir('modelseal-attest-');
  const key = path.join(dir, 'keys', 'pub.key');
  const base = writeTree(path.join(root, 'Llama-3-8B'), { 'model.safetensors': randomBytes(2048), 'config.json': '{}' });
  const adapter = writeTree(path.join(root, 'adapter'), { 'adapter_model.safetensors': randomBytes(512), 'adapter_config.json': '{"base_model_name_or_path":"meta-llama/Llama-2-7b-hf"}' });

  it('binds the base by digest, reports an adapter_config base mismatch, and never changes the digest', async () => {
    const before = (await digestArtifact(adapter)).rootDigest;
    const baseDigest = (await digestArtifact(base)).rootDigest;
    const baseSnapshot = snapshotTree(base);
    const r = cli(['attest', adapter, '--kind', 'lora', '--base', base, '--param', 'r=8', '--param', 'alpha=16', '--key', key, '--json']);
    expect(r.status).toBe(0);
    expect(r.json).toMatchObject({ ok: true, kind: 'lora', digest: `sha256:${before}`, buildType: 'https://modelseal.dev/buildtypes/lora/v1', builderId: 'https://modelseal.dev/builders/local/v1' });
    expect(r.json.dependencies).toEqual([{ role: 'base_model', digest: `sha256:${baseDigest}`, name: 'Llama-3-8B' }]);
    expect(r.json.warnings).toEqual([expect.objectContaining({ code: 'BASE_NAME_MISMATCH', message: expect.stringContaining('"meta-llama/Llama-2-7b-hf"') })]);
    expect(snapshotTree(base)).toEqual(baseSnapshot);
    expect(fs.existsSync(path.join(adapter, 'provenance.sig'))).toBe(true);
    expect((await digestArtifact(adapter)).rootDigest).toBe(before);
    const h = cli(['attest', adapter, '--kind', 'lora', '--base', base, '--key', key]);
    expect(h.status).toBe(2);
    expect(h.stderr).toMatch(/already exists; pass --force.*\[OUTPUT_EXISTS\]/);
    // attest signed the files too (the adapter had no signature); re-signing replaces that
    // signature with --force, records provenance.sig as ignored and keeps the digest.
    expect(r.json.signature).toBe(path.join(adapter, 'model.sig'));
    const s = cli(['sign', adapter, '--key', key, '--json', '--force']);
    expect(s.json.digest).toBe(`sha256:${before}`);
    const signed = JSON.parse(Buffer.from(JSON.parse(fs.readFileSync(path.join(adapter, 'model.sig'), 'utf8')).dsseEnvelope.payload, 'base64').toString());
    expect(signed.predicate.serialization.ignore_paths).toEqual(expect.arrayContaining(['model.sig', 'provenance.sig']));
  });

  it('pins the base\'s own attestations and refuses a base that no longer matches its signature', async () => {
    await signArtifact(base, { key: loadPrivateKey(key) });
    const out = path.join(root, 'pinned.sig');
    const r = cli(['attest', adapter, '--kind', 'lora', '--base', base, '--key', key, '--out', out, '--json']);
    expect(r.status).toBe(0);
    const sigDigest = require('node:crypto').createHash('sha256').update(fs.readFileSync(path.join(base, 'model.sig'))).digest('hex');
    expect(r.json.dependencies[1]).toEqual({ role: 'attestation', digest: `sha256:${sigDigest}`, name: 'Llama-3-8B/model.sig' });
    fs.appendFileSync(path.join(base, 'config.json'), ' ');
    const bad = cli(['attest', adapter, '--kind', 'lora', '--base', base, '--key', key, '--out', out, '--force']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/does not match its signature: changed: "config.json".*\[ARTIFACT_MISMATCH\]/);
  });

  it('refuses an --out inside the artifact and bad parameters', () => {
    const inside = cli(['attest', adapter, '--kind', 'lora', '--base', `sha256:${'1'.repeat(64)}`, '--key', key, '--out', path.join(adapter, 'x.sig')]);
    expect(inside.status).toBe(2);
    expect(inside.stderr).toMatch(/lies inside the artifact/);
    const param = cli(['attest', adapter, '--kind', 'lora', '--base', `sha256:${'1'.repeat(64)}`, '--key', key, '--param', 'novalue', '--force']);
    expect(param.status).toBe(2);
    expect(param.stderr).toMatch(/expected k=v/);
    const kind = cli(['attest', adapter, '--kind', 'retrain', '--key', key]);
    expect(kind.status).toBe(2);
  });
});
