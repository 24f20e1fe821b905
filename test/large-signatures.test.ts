/**
 * Every way of signing writes a large statement from the packed manifest, in the bytes
 * the one-string writers give; every reader of a signature file reads it as verify does;
 * and what a fleet would hash in vain is refused before anything is hashed (issue 16).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serializeCertificateBundle } from '../src/envelope/certificate-bundle';
import { loadPrivateKey } from '../src/keys/load';
import { writeKeyPair } from '../src/keys/write';
import { signArtifact } from '../src/sign/sign-artifact';
import { signStatementCose } from '../src/sign/sign-cose';
import { checkSignatureBudget } from '../src/sign/signature-budget';
import { buildOmsStatement } from '../src/statement/oms';
import { serializeStatement } from '../src/statement/statement';
import { cli, REPO } from './helpers/cli';
import { describeWithPeers } from './helpers/peers';
import { makePki, OPENSSL } from './helpers/pki';
import { tmpDir, writeTree } from './helpers/tmp';
import { describeWithVectors, vector } from './helpers/vectors';

const P256 = path.join(REPO, 'keys-example', 'publisher-p256');

function model(): string {
  const files: Record<string, string> = { 'config.json': '{}' };
  for (let i = 0; i < 40; i++) files[`shard/${i}.bin`] = `weights ${i}`.repeat(i + 1);
  return writeTree(tmpDir(), files);
}

function payloadOf(signature: string): Buffer {
  return Buffer.from(JSON.parse(fs.readFileSync(signature, 'utf8')).dsseEnvelope.payload, 'base64');
}

describeWithPeers(OPENSSL, 'the certificate method, written in chunks', () => {
  it('writes the bytes of the one-string certificate bundle, and verifies with the root', async () => {
    const dir = tmpDir();
    const pki = makePki(path.join(dir, 'pki'), 'acme');
    const leaf = pki.leaf('signer');
    const m = model();
    const sig = path.join(dir, 'm.sig');
    const r = await signArtifact(m, { key: loadPrivateKey(leaf.key), certificate: { certificate: leaf.cert, chain: [pki.intCert] }, signature: sig, method: 'shards', shardSize: 7 });
    expect(r).toMatchObject({ method: 'certificate', identity: 'CN=signer' });
    const text = fs.readFileSync(sig, 'utf8');
    const json = JSON.parse(text);
    const chain = json.verificationMaterial.x509CertificateChain.certificates.map((c: { rawBytes: string }) => Buffer.from(c.rawBytes, 'base64'));
    const statement = serializeStatement(buildOmsStatement(r.manifest, path.basename(m)));
    expect(r.manifest.resources.length).toBeGreaterThan(40);
    expect(payloadOf(sig).equals(statement)).toBe(true);
    const oneString = serializeCertificateBundle({ payloadType: 'application/vnd.in-toto+json', payload: statement, signature: Buffer.from(json.dsseEnvelope.signatures[0].sig, 'base64') }, chain);
    expect(text).toBe(oneString);
    expect(chain).toHaveLength(2);
    expect(cli(['verify', m, '--signature', sig, '--ca-roots', pki.rootCert]).status).toBe(0);
  });
});

describe('COSE, from the packed manifest', () => {
  it('gives the bytes of signStatementCose (Ed25519 is deterministic), claims and all', async () => {
    const dir = tmpDir();
    const k = writeKeyPair(path.join(dir, 'ed'), 'ed25519');
    const key = loadPrivateKey(k.privateKeyPath);
    const m = model();
    for (const claims of [{}, { issuer: 'did:web:example.com' }, { subject: 'feed-1' }]) {
      const sig = path.join(dir, `m-${Object.keys(claims).join('')}.cose`);
      const r = await signArtifact(m, { key, format: 'cose', signature: sig, claims });
      const expected = signStatementCose(buildOmsStatement(r.manifest, path.basename(m)), key, claims);
      expect(fs.readFileSync(sig).equals(expected)).toBe(true);
      expect(cli(['verify', m, '--key', k.publicKeyPath, '--signature', sig]).status).toBe(0);
    }
  });
});

describe('the budget before hashing', () => {
  const shards = { method: 'shards' as const, hashType: 'sha256' as const, shardSize: 1000, allowSymlinks: false, ignorePaths: [] };
  it('keyless signing, whose client builds one string, is refused a statement a key signs in chunks', () => {
    // 150,000 shards of a file with a 2,800-byte name: a statement of about 440 MB.
    const files = [{ name: `${'d/'.repeat(1399)}w.bin`, size: 150_000 * 1000 }];
    expect(() => checkSignatureBudget(files, shards, 'm')).not.toThrow();
    expect(() => checkSignatureBudget(files, shards, 'm', { keyless: true })).toThrow(/keyless \(Sigstore\) signing can build/);
    expect(() => checkSignatureBudget([{ name: 'w.bin', size: 150_000 * 1000 }], shards, 'm', { keyless: true })).not.toThrow();
  });

  it('digest --part refuses, before hashing, a split whose joined signature verify would refuse', () => {
    const root = writeTree(tmpDir(), { 'a.bin': 'a', 'b.bin': 'b', 'c.bin': 'c' });
    const out = path.join(tmpDir(), 'p.json');
    const r = cli(['digest', root, '--part', '0/2', '--manifest-out', out, '--json'], { env: { MODELSEAL_MAX_RESOURCES: '2' } });
    expect(r.status).toBe(2);
    expect(r.json.error).toMatchObject({ code: 'SIGNATURE_TOO_LARGE', message: expect.stringContaining('3 resources') });
    expect(fs.existsSync(out)).toBe(false);
    const sparse = tmpDir();
    fs.closeSync(fs.openSync(path.join(sparse, 'w.bin'), 'w'));
    fs.truncateSync(path.join(sparse, 'w.bin'), 2 ** 40);
    const t = cli(['digest', sparse, '--method', 'shards', '--shard-size', '1', '--part', '1/4', '--manifest-out', out, '--json']);
    expect(t.json.error).toMatchObject({ code: 'SIGNATURE_TOO_LARGE', message: expect.stringContaining('--shard-size') });
  });
});

describe('parts and names', () => {
  const D = 'ab'.repeat(32);
  const doc = (resources: object[], part = { index: 0, count: 1 }) => ({ mediaType: 'application/vnd.modelseal.partial-manifest.v1+json', part, name: 'm', serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false }, resources });
  function write(d: object): string {
    const f = path.join(tmpDir(), 'p.json');
    fs.writeFileSync(f, JSON.stringify(d));
    return f;
  }
  const sign = (files: string[], extra: string[] = []) => cli(['sign', '--key', `${P256}.key`, '--signature', path.join(tmpDir(), 'x.sig'), '--from-manifest', ...files, '--json', ...extra]);

  it('refuses a name with an unpaired surrogate, which UTF-8 would turn into another name', () => {
    for (const name of ['\ud800', 'a\udcff.bin', 'x/\udbff']) {
      const r = sign([write(doc([{ name, digest: D, size: 1 }]))]);
      expect(r.json.error).toMatchObject({ code: 'PARTS_INVALID', message: expect.stringContaining('unpaired UTF-16 surrogate') });
    }
    expect(sign([write(doc([{ name: '\ud83d\ude00.bin', digest: D, size: 1 }]))]).status).toBe(0);
  });

  it('refuses a name listed as a file and as a folder: no tree can hold both', () => {
    for (const names of [['a', 'a/b'], ['a/b', 'a'], ['x/a', 'x/a/b/c']]) {
      const r = sign([write(doc(names.map((name) => ({ name, digest: D, size: 1 }))))]);
      expect(r.json.error).toMatchObject({ code: 'PARTS_INVALID', message: expect.stringContaining('both as a file and as a folder') });
    }
    expect(sign([write(doc(['a-b', 'a/b', 'a.b'].map((name) => ({ name, digest: D, size: 1 }))))]).status).toBe(0);
  });

  it('refuses, as PARTS_INVALID, more algorithms than a list can name, a giant digest, a name the signature ignores', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ name: `f${i}`, algorithm: `a${i}`, digest: D, size: 1 }));
    expect(sign([write(doc(many))]).json.error).toMatchObject({ code: 'PARTS_INVALID', message: expect.stringContaining('256') });
    const giant = [{ name: 'a', digest: 'ab'.repeat(1_000_000), size: 1 }, ...Array.from({ length: 100 }, (_, i) => ({ name: `b${i}`, digest: D, size: 1 }))];
    expect(sign([write(doc(giant))]).json.error).toMatchObject({ code: 'PARTS_INVALID', message: expect.stringContaining('malformed sha256 digest') });
    const ignored = { ...doc([{ name: '.git/config', digest: D, size: 1 }, { name: 'a.bin', digest: D, size: 1 }]), serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: ['.git'] } };
    expect(sign([write(ignored)]).json.error).toMatchObject({ code: 'PARTS_INVALID', message: expect.stringContaining('the signature ignores') });
  });

  it('digest --part refuses, before hashing, an artifact whose name no signature may record', () => {
    const root = writeTree(path.join(tmpDir(), 'bad\u202ename'), { 'a.bin': 'a' });
    const out = path.join(tmpDir(), 'p.json');
    const r = cli(['digest', root, '--part', '0/2', '--manifest-out', out, '--json']);
    expect(r.json.error).toMatchObject({ code: 'UNSUPPORTED_NAME', message: expect.stringContaining("the artifact's name") });
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses the model_signing spellings of hashing flags with --from-manifest', () => {
    const f = write(doc([{ name: 'a', digest: D, size: 1 }]));
    for (const flag of ['--ignore-git-paths', '--no-ignore-git-paths', '--ignore_git_paths']) {
      const r = sign([f], [flag]);
      expect(r.status).toBe(2);
      expect(r.json.error.message).toContain('cannot be used with --from-manifest');
    }
  });

  it('names a repeated resource as repeated, even when the file after it is listed later', () => {
    const root = writeTree(tmpDir(), { 'a.bin': 'a', 'b.bin': 'b', 'c.bin': 'c' });
    const r = (name: string) => ({ name, digest: D, size: 1 });
    const f = write(doc([r('a.bin'), r('a.bin'), r('b.bin')]));
    const out = cli(['sign', root, '--key', `${P256}.key`, '--signature', path.join(tmpDir(), 's.sig'), '--from-manifest', f, '--json']);
    expect(out.json.error).toMatchObject({ code: 'PARTS_INVALID', message: expect.stringContaining('"a.bin" twice or out of order') });
  });

  it('refuses parts that do not hold their own share of the split, even when they join to the tree', async () => {
    const root = model();
    const dir = tmpDir();
    const outs = [0, 1].map((k) => path.join(dir, `p${k}.json`));
    outs.forEach((out, k) => expect(cli(['digest', root, '--part', `${k}/2`, '--manifest-out', out]).status).toBe(0));
    const [p0, p1] = outs.map((o) => JSON.parse(fs.readFileSync(o, 'utf8')));
    expect(sign(outs).status).toBe(0);
    const moved = p1.resources.shift();
    p0.resources.push(moved);
    const shifted = [write(p0), write(p1)];
    const r = cli(['sign', root, '--key', `${P256}.key`, '--signature', path.join(tmpDir(), 's.sig'), '--from-manifest', ...shifted, '--json']);
    expect(r.json.error).toMatchObject({ code: 'PARTS_INVALID', message: expect.stringContaining('does not hold that part') });
  });
});

describe('readers of a model signature other than verify', () => {
  it('attest --base reads a COSE model.sig as verify does', () => {
    const dir = tmpDir();
    const base = writeTree(path.join(dir, 'base'), { 'w.bin': 'base weights', 'x/y.bin': 'more' });
    const ft = writeTree(path.join(dir, 'ft'), { 'w.bin': 'tuned weights' });
    expect(cli(['sign', base, '--key', `${P256}.key`, '--format', 'cose', '--signature', path.join(base, 'model.sig'), '--method', 'shards', '--shard-size', '3']).status).toBe(0);
    const digest = cli(['verify', base, '--key', `${P256}.pub`, '--json']).json.digest;
    expect(digest).toMatch(/^sha256:/);
    const a = cli(['attest', ft, '--kind', 'finetune', '--base', base, '--key', `${P256}.key`, '--out', path.join(dir, 'p.sig'), '--json']);
    expect(a.status).toBe(0);
    expect(JSON.stringify(a.json)).toContain(digest);
    expect(JSON.stringify(a.json)).not.toContain(cli(['digest', base, '--json']).json.digest); // not the defaults' digest
  });

  it('attest refuses a base whose own signature is there but unreadable, instead of guessing its parameters', () => {
    const dir = tmpDir();
    const base = writeTree(path.join(dir, 'base'), { 'w.bin': 'base weights' });
    const ft = writeTree(path.join(dir, 'ft'), { 'w.bin': 'tuned weights' });
    expect(cli(['sign', base, '--key', `${P256}.key`, '--method', 'shards']).status).toBe(0);
    const good = cli(['attest', ft, '--kind', 'finetune', '--base', base, '--key', `${P256}.key`, '--json']);
    expect(good.status).toBe(0);
    const signed = JSON.parse(payloadOf(path.join(base, 'model.sig')).toString('utf8')).subject[0].digest.sha256;
    expect(JSON.stringify(good.json)).toContain(signed);
    const text = fs.readFileSync(path.join(base, 'model.sig'), 'utf8');
    fs.writeFileSync(path.join(base, 'model.sig'), text.replace('"mediaType"', '"mediaType":1,"mediaType"'));
    const bad = cli(['attest', ft, '--kind', 'finetune', '--base', base, '--key', `${P256}.key`, '--json', '--force']);
    expect(bad.status).toBe(1);
    expect(bad.json.error).toMatchObject({ code: 'BUNDLE_INVALID', file: expect.stringContaining('model.sig') });
  });
});

describeWithVectors('readers of a model_signing v0.2 signature', () => {
  it('attest --base takes the digest verify reports for a v0.2 certificate signature', () => {
    const base = vector('model-transparency', 'scripts', 'tests', 'v0.2.0-certificate');
    const v = cli(['verify', base, '--ca-roots', vector('model-transparency', 'scripts', 'tests', 'keys', 'certificate', 'ca-cert.pem'), '--json']);
    expect(v.status).toBe(0);
    const dir = tmpDir();
    const ft = writeTree(path.join(dir, 'ft'), { 'w.bin': 'tuned weights' });
    const a = cli(['attest', ft, '--kind', 'finetune', '--base', base, '--key', `${P256}.key`, '--out', path.join(dir, 'p.sig'), '--json']);
    expect(a.status).toBe(0);
    expect(JSON.stringify(a.json)).toContain(v.json.digest);
  });
});
