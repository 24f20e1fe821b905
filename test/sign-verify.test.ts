import Ajv2020 from 'ajv/dist/2020';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KEY_TYPES } from '../src/keys';
import { readBundle } from '../src/envelope';
import { signArtifact, verifyArtifact, writeKeyPair, loadPrivateKey, loadPublicKey, type KeyType } from '../src';
import { cli, REPO } from './helpers/cli';
import { omsSchemas } from './helpers/oms-schemas';
import { snapshotTree, tmpDir, writeTree } from './helpers/tmp';
import { describeWithVectors } from './helpers/vectors';

const ours = new Ajv2020({ strict: true, strictRequired: false }).compile(JSON.parse(fs.readFileSync(path.join(REPO, 'schemas/oms-signature-statement.schema.json'), 'utf8')));

function model(): string {
  return writeTree(tmpDir(), {
    'config.json': '{"architectures":["LlamaForCausalLM"]}',
    'weights/model-00001-of-00002.safetensors': Buffer.alloc(3000, 1),
    'weights/model-00002-of-00002.safetensors': Buffer.alloc(1234, 2),
    'tokenizer/vocab with space.txt': 'a\nb\n',
    'tokenizer/ünïcödé-名前.json': '{}',
    'empty.txt': '',
  });
}

function keys(type: KeyType) {
  const pair = writeKeyPair(path.join(tmpDir(), 'k'), type);
  return { priv: loadPrivateKey(pair.privateKeyPath), pubPath: pair.publicKeyPath, privPath: pair.privateKeyPath };
}

function payloadOf(sig: string): any {
  return JSON.parse(readBundle(sig).envelope.payload.toString('utf8'));
}

describe('sign and verify round trip', () => {
  for (const type of KEY_TYPES) {
    for (const method of ['files', 'shards'] as const) {
      it(`${type} / ${method}`, async () => {
        const root = model();
        const k = keys(type);
        const signed = await signArtifact(root, { key: k.priv, method, shardSize: 1000 });
        expect(signed.signature).toBe(path.join(fs.realpathSync(root), 'model.sig'));
        const statement = payloadOf(signed.signature);
        expect(ours(statement)).toBe(true);
        // Independent recomputation of the root: sha256 over the raw resource digests.
        const raw = Buffer.concat(statement.predicate.resources.map((r: { digest: string }) => Buffer.from(r.digest, 'hex')));
        expect(statement.subject[0].digest.sha256).toBe(createHash('sha256').update(raw).digest('hex'));
        expect(readBundle(signed.signature).material).toMatchObject({ kind: 'publicKey', hint: createHash('sha256').update(fs.readFileSync(k.pubPath)).digest('hex') });
        const v = await verifyArtifact(root, { keys: k.pubPath });
        expect(v.rootDigest).toBe(statement.subject[0].digest.sha256);
        expect(v.keyType).toBe(type);
      });
    }
  }

  it('signs a single file with <file>.sig beside it', async () => {
    const dir = writeTree(tmpDir(), { 'adapter.safetensors': Buffer.alloc(100, 9) });
    const file = path.join(dir, 'adapter.safetensors');
    const k = keys('ed25519');
    const signed = await signArtifact(file, { key: k.priv });
    expect(signed.signature).toBe(file + '.sig');
    expect(payloadOf(signed.signature).predicate.resources[0].name).toBe('.');
    await expect(verifyArtifact(file, { keys: k.pubPath })).resolves.toMatchObject({ verified: true });
    fs.appendFileSync(file, 'x');
    await expect(verifyArtifact(file, { keys: k.pubPath })).rejects.toMatchObject({ code: 'ARTIFACT_MISMATCH' });
  });

  it('writes exactly the key-method bundle layout model_signing v1.1 writes', async () => {
    const root = model();
    const k = keys('ecdsa-p256');
    const { signature } = await signArtifact(root, { key: k.priv });
    const text = fs.readFileSync(signature, 'utf8');
    const json = JSON.parse(text);
    expect(Object.keys(json)).toEqual(['mediaType', 'verificationMaterial', 'dsseEnvelope']);
    expect(json.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(json.verificationMaterial).toEqual({ publicKey: { hint: expect.stringMatching(/^[0-9a-f]{64}$/) }, tlogEntries: [] });
    expect(Object.keys(json.dsseEnvelope)).toEqual(['payload', 'payloadType', 'signatures']);
    expect(json.dsseEnvelope.signatures).toEqual([{ sig: expect.any(String), keyid: '' }]);
    expect(text).toBe(JSON.stringify(json)); // compact, no trailing newline
    const statement = payloadOf(signature);
    expect(statement.predicate.serialization.ignore_paths).toEqual(expect.arrayContaining(['.git', '.gitattributes', '.github', '.gitignore', 'model.sig']));
  });

  it('refuses to overwrite a signature without force, and never writes through a symlink', async () => {
    const root = model();
    const k = keys('ed25519');
    await signArtifact(root, { key: k.priv });
    await expect(signArtifact(root, { key: k.priv })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    await expect(signArtifact(root, { key: k.priv, force: true })).resolves.toBeDefined();
    const target = path.join(tmpDir(), 'elsewhere');
    fs.writeFileSync(target, 'keep');
    const sig = path.join(tmpDir(), 'link.sig');
    fs.symlinkSync(target, sig);
    await expect(signArtifact(root, { key: k.priv, signature: sig, force: true })).rejects.toMatchObject({ code: 'OUTPUT_UNSAFE' });
    expect(fs.readFileSync(target, 'utf8')).toBe('keep');
  });
});

describe('verify names what differs', () => {
  let root: string;
  let k: ReturnType<typeof keys>;
  beforeEach(async () => {
    root = model();
    k = keys('ed25519');
    await signArtifact(root, { key: k.priv });
  });

  it('one byte of one file changed', async () => {
    const f = path.join(root, 'weights/model-00002-of-00002.safetensors');
    const b = fs.readFileSync(f);
    b[100] ^= 1;
    fs.writeFileSync(f, b);
    const r = cli(['verify', root, '--key', k.pubPath, '--json']);
    expect(r.status).toBe(1);
    expect(r.json.error.code).toBe('ARTIFACT_MISMATCH');
    expect(r.json.error.details.changed.map((c: { name: string }) => c.name)).toEqual(['weights/model-00002-of-00002.safetensors']);
  });

  it('one file added, one removed', async () => {
    fs.writeFileSync(path.join(root, 'backdoor.py'), 'import os');
    fs.rmSync(path.join(root, 'config.json'));
    const r = cli(['verify', root, '--key', k.pubPath]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing: "config.json"; extra \(unsigned\): "backdoor.py"/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const lenient = cli(['verify', root, '--key', k.pubPath, '--ignore-unsigned-files']);
    expect(lenient.status).toBe(1);
    expect(lenient.stderr).not.toMatch(/backdoor/);
  });

  it('--ignore-unsigned-files accepts extra files only', async () => {
    fs.writeFileSync(path.join(root, 'README.md'), 'notes');
    expect(cli(['verify', root, '--key', k.pubPath]).status).toBe(1);
    expect(cli(['verify', root, '--key', k.pubPath, '--ignore-unsigned-files']).status).toBe(0);
  });

  it('the wrong public key', async () => {
    const other = keys('ed25519');
    const r = cli(['verify', root, '--key', other.pubPath]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/SIGNATURE_MISMATCH/);
    expect(r.stderr).toMatch(/bundle names key/);
    // any one of several trusted keys may have signed
    expect(cli(['verify', root, '--key', other.pubPath, '--key', k.pubPath]).status).toBe(0);
  });

  it('verify changes nothing in the artifact', async () => {
    const before = snapshotTree(root);
    expect(cli(['verify', root, '--key', k.pubPath]).status).toBe(0);
    expect(snapshotTree(root)).toEqual(before);
  });
});

describe('CLI', () => {
  it('digest prints the root digest that sign puts in the subject', async () => {
    const root = model();
    const k = keys('ecdsa-p384');
    const d = cli(['digest', root]);
    expect(d.status).toBe(0);
    const s = cli(['sign', root, '--key', k.privPath, '--json']);
    expect(s.status).toBe(0);
    expect(d.stdout.trim()).toBe(s.json.digest);
    expect(payloadOf(path.join(root, 'model.sig')).subject[0].digest.sha256).toBe(d.stdout.trim().slice('sha256:'.length));
    expect(cli(['digest', root]).stdout).toBe(d.stdout);
    const v = cli(['verify', root, '--key', k.pubPath, '--json']);
    expect(v.status).toBe(0);
    expect(v.json).toMatchObject({ verified: true, digest: d.stdout.trim(), keyType: 'ecdsa-p384', keyHint: loadPublicKey(k.pubPath).hint });
  });

  it('--signature overrides the location for sign and verify', async () => {
    const root = model();
    const k = keys('ed25519');
    const sig = path.join(tmpDir(), 'release.sig');
    expect(cli(['sign', root, '--key', k.privPath, '--signature', sig]).status).toBe(0);
    expect(fs.existsSync(path.join(root, 'model.sig'))).toBe(false);
    expect(cli(['verify', root, '--key', k.pubPath, '--signature', sig]).status).toBe(0);
    expect(cli(['verify', root, '--key', k.pubPath]).status).toBe(2);
  });
});

describeWithVectors('our output against the OMS v1.0 spec schemas', () => {
  it('validates the statement and the bundle (files method)', async () => {
    const root = model();
    const k = keys('ecdsa-p256');
    const { signature } = await signArtifact(root, { key: k.priv });
    const ajv = omsSchemas();
    const statement = ajv.getSchema('https://model_signing/statement/v1.0/schema')!;
    const bundle = ajv.getSchema('https://model_signing/bundle/v1.0/schema')!;
    expect(statement(payloadOf(signature))).toBe(true);
    expect(bundle(JSON.parse(fs.readFileSync(signature, 'utf8')))).toBe(true);
  });
});
