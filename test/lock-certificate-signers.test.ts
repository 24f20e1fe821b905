import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPrivateKey, signArtifact, writeKeyPair } from '../src';
import { lockArtifact } from '../src/lock/lock-artifact';
import { readLockFile } from '../src/lock/lock-file';
import { verifyLockFile } from '../src/lock/verify-locked';
import { cli } from './helpers/cli';
import { makePki } from './helpers/pki';
import { fakeIdentityToken, offlineOnly, startMockSigstore, type MockSigstore } from './helpers/sigstore-mock';
import { tmpDir, writeTree } from './helpers/tmp';

offlineOnly();

const IDENTITY = 'https://github.com/acme/models/.github/workflows/release.yml@refs/tags/v1';
const ISSUER = 'https://token.actions.githubusercontent.com';

describe('lock pins Sigstore signers (identity + issuer) and checks them', () => {
  let mock: MockSigstore;
  let dir: string;
  const keyless = (sub: string) => ({ identityToken: fakeIdentityToken({ sub, iss: ISSUER }), fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL });

  beforeAll(async () => {
    dir = tmpDir();
    mock = await startMockSigstore(dir, { name: 'lock' });
  });

  it('lock add pins the identity that verified (not the pattern), lock verify accepts it, another identity is a signer change', async () => {
    const model = writeTree(path.join(dir, 'm1'), { 'w.bin': 'weights', 'config.json': '{}' });
    await signArtifact(model, { sigstore: keyless(IDENTITY) });
    const lock = path.join(dir, 'm1.lock');
    const r = await lockArtifact('acme/tiny', model, { lock, signers: [{ kind: 'sigstore', identity: /https:\/\/github\.com\/acme\/.*/, issuer: ISSUER, trustedRoot: mock.trustedRootFile }] });
    expect(r.entry.signers).toEqual([{ method: 'sigstore', identity: IDENTITY, issuer: ISSUER }]);
    expect(readLockFile(lock).artifacts.get('acme/tiny')?.signers).toEqual([{ method: 'sigstore', identity: IDENTITY, issuer: ISSUER }]);

    let out = await verifyLockFile(lock, { trustedRoot: mock.trustedRootFile });
    expect(out.map((o) => o.ok)).toEqual([true]);

    // Same files, re-signed by another workflow of the same organisation: refused as a signer change.
    await signArtifact(model, { sigstore: keyless('https://github.com/acme/models/.github/workflows/evil.yml@refs/heads/x'), force: true });
    out = await verifyLockFile(lock, { trustedRoot: mock.trustedRootFile });
    expect(out[0].ok).toBe(false);
    expect(!out[0].ok && out[0].error.code).toBe('LOCK_SIGNER_CHANGED');

    // Re-signed with a key: refused too.
    const k = writeKeyPair(path.join(dir, 'k1'), 'ecdsa-p256');
    await signArtifact(model, { key: loadPrivateKey(k.privateKeyPath), force: true });
    out = await verifyLockFile(lock, { trustedRoot: mock.trustedRootFile, keys: [k.publicKeyPath] });
    expect(!out[0].ok && out[0].error.code).toBe('LOCK_SIGNER_CHANGED');
  });

  it('a Sigstore pin is checked against the trusted root: the shipped public-good root does not trust the mock CA', async () => {
    const model = writeTree(path.join(dir, 'm2'), { 'w.bin': 'w2' });
    await signArtifact(model, { sigstore: keyless(IDENTITY) });
    const lock = path.join(dir, 'm2.lock');
    await lockArtifact('acme/two', model, { lock, signers: [{ kind: 'sigstore', identity: IDENTITY, issuer: ISSUER, trustedRoot: mock.trustedRootFile }] });
    const out = await verifyLockFile(lock);
    expect(out[0].ok).toBe(false);
  });

  it('a changed file under the same Sigstore signer is a digest change, not accepted', async () => {
    const model = writeTree(path.join(dir, 'm3'), { 'w.bin': 'w3' });
    await signArtifact(model, { sigstore: keyless(IDENTITY) });
    const lock = path.join(dir, 'm3.lock');
    await lockArtifact('acme/three', model, { lock, signers: [{ kind: 'sigstore', identity: IDENTITY, issuer: ISSUER, trustedRoot: mock.trustedRootFile }] });
    fs.writeFileSync(path.join(model, 'w.bin'), 'w3-changed');
    await signArtifact(model, { sigstore: keyless(IDENTITY), force: true });
    const out = await verifyLockFile(lock, { trustedRoot: mock.trustedRootFile });
    expect(!out[0].ok && out[0].error.code).toBe('LOCK_DIGEST_CHANGED');
  });
});

describe('lock pins CA signers (certificate subject + root fingerprint) and checks them, from the CLI', () => {
  it('lock add --ca-roots pins subject and root; lock verify needs no flags; another CA or another subject is a signer change', () => {
    const dir = tmpDir();
    const pki = makePki(path.join(dir, 'pki'), 'acme');
    const other = makePki(path.join(dir, 'pki2'), 'acme'); // same names, other keys
    const model = writeTree(path.join(dir, 'model'), { 'w.bin': 'weights' });
    const leaf = pki.leaf('release-signer');
    expect(cli(['sign', model, '--key', leaf.key, '--certificate', leaf.cert, '--certificate-chain', pki.intCert]).status).toBe(0);
    const lock = path.join(dir, 'modelseal.lock');
    const add = cli(['lock', 'add', 'acme/tiny', model, '--ca-roots', pki.rootCert, '--lock', lock, '--json']);
    expect(add.status).toBe(0);
    const rootPem = fs.readFileSync(pki.rootCert, 'utf8');
    const { X509Certificate } = require('node:crypto');
    const fp = new X509Certificate(rootPem).fingerprint256.replace(/:/g, '').toLowerCase();
    expect(JSON.parse(fs.readFileSync(lock, 'utf8')).artifacts['acme/tiny'].signers).toEqual([{ method: 'certificate', subject: 'CN=release-signer', rootFingerprint: fp, root: expect.stringMatching(/^-----BEGIN CERTIFICATE-----/) }]);
    expect(cli(['lock', 'verify', '--lock', lock]).status).toBe(0);

    // The same subject from another CA with the same names: not the pinned root.
    const impostor = other.leaf('release-signer');
    expect(cli(['sign', model, '--key', impostor.key, '--certificate', impostor.cert, '--certificate-chain', other.intCert, '--force']).status).toBe(0);
    let v = cli(['lock', 'verify', '--lock', lock, '--json']);
    expect(v.status).toBe(1);
    expect(v.json.error.code).toBe('LOCK_SIGNER_CHANGED');

    // Another subject under the pinned root: not the pinned signer either.
    const colleague = pki.leaf('intern');
    expect(cli(['sign', model, '--key', colleague.key, '--certificate', colleague.cert, '--certificate-chain', pki.intCert, '--force']).status).toBe(0);
    v = cli(['lock', 'verify', '--lock', lock, '--json']);
    expect(v.status).toBe(1);
    expect(v.json.error.code).toBe('LOCK_SIGNER_CHANGED');

    // Back to the pinned signer: verified again.
    expect(cli(['sign', model, '--key', leaf.key, '--certificate', leaf.cert, '--certificate-chain', pki.intCert, '--force']).status).toBe(0);
    expect(cli(['lock', 'verify', '--lock', lock]).status).toBe(0);
  });

  it('a lock whose pinned root does not match its fingerprint, or holds two certificates, is refused as invalid', () => {
    const dir = tmpDir();
    const pki = makePki(path.join(dir, 'pki'), 'acme');
    const other = makePki(path.join(dir, 'pki2'), 'other');
    const model = writeTree(path.join(dir, 'model'), { 'w.bin': 'weights' });
    const leaf = pki.leaf('signer');
    cli(['sign', model, '--key', leaf.key, '--certificate', leaf.cert, '--certificate-chain', pki.intCert]);
    const lock = path.join(dir, 'modelseal.lock');
    expect(cli(['lock', 'add', 'acme/tiny', model, '--ca-roots', pki.rootCert, '--lock', lock]).status).toBe(0);
    const doc = JSON.parse(fs.readFileSync(lock, 'utf8'));
    const swapped = structuredClone(doc);
    swapped.artifacts['acme/tiny'].signers[0].root = fs.readFileSync(other.rootCert, 'utf8').trim();
    fs.writeFileSync(lock, JSON.stringify(swapped));
    let v = cli(['lock', 'verify', '--lock', lock, '--json']);
    expect(v.status).toBe(2);
    expect(v.json.error.code).toBe('LOCK_INVALID');
    const doubled = structuredClone(doc);
    doubled.artifacts['acme/tiny'].signers[0].root = `${doc.artifacts['acme/tiny'].signers[0].root}\n${fs.readFileSync(other.rootCert, 'utf8').trim()}`;
    fs.writeFileSync(lock, JSON.stringify(doubled));
    v = cli(['lock', 'verify', '--lock', lock, '--json']);
    expect(v.json.error.code).toBe('LOCK_INVALID');
  });

  it('lock add with no trusted signer at all is a usage error', () => {
    const r = cli(['lock', 'add', 'x/y', '.', '--json']);
    expect(r.status).toBe(2);
  });
});
