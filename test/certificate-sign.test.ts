import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPrivateKey, signArtifact, verifyArtifact } from '../src';
import { cli } from './helpers/cli';
import { makePki, type Pki, OPENSSL } from './helpers/pki';
import { snapshotTree, tmpDir, writeTree } from './helpers/tmp';
import { refusal } from './helpers/refusal';
import { describeWithPeers } from './helpers/peers';

describeWithPeers(OPENSSL, 'certificate-chain method (sign --key --certificate --certificate-chain, verify --ca-roots)', () => {
  let dir: string;
  let pki: Pki;
  let other: Pki;
  let model: string;

  beforeAll(() => {
    dir = tmpDir();
    pki = makePki(path.join(dir, 'pki'), 'acme');
    other = makePki(path.join(dir, 'other'), 'acme'); // same names, different keys
    model = writeTree(path.join(dir, 'model'), { 'weights.bin': 'weights', 'tok/vocab.txt': 'a b c' });
  });

  it('signs through the CLI and verifies with the root (chain from the bundle)', () => {
    const leaf = pki.leaf('signer');
    const before = snapshotTree(model);
    const sig = path.join(dir, 'cli.sig');
    const s = cli(['sign', model, '--key', leaf.key, '--certificate', leaf.cert, '--certificate-chain', pki.intCert, '--signature', sig, '--json']);
    expect(s.status).toBe(0);
    expect(s.json).toMatchObject({ signingMethod: 'certificate', identity: 'CN=signer' });
    expect(snapshotTree(model)).toEqual(before);
    const b = JSON.parse(fs.readFileSync(sig, 'utf8'));
    expect(b.verificationMaterial.x509CertificateChain.certificates).toHaveLength(2);
    expect(b.verificationMaterial.tlogEntries).toEqual([]);
    const v = cli(['verify', model, '--signature', sig, '--ca-roots', pki.rootCert, '--json']);
    expect(v.status).toBe(0);
    expect(v.json).toMatchObject({ signingMethod: 'certificate', identity: 'CN=signer', issuer: 'CN=acme root CA' });
    const bad = cli(['verify', model, '--signature', sig, '--ca-roots', other.rootCert]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('does not chain to a trusted CA root');
  });

  it('builds the path with intermediates given at verification time', async () => {
    const leaf = pki.leaf('leaf-only');
    const sig = path.join(dir, 'leaf-only.sig');
    await signArtifact(model, { key: loadPrivateKey(leaf.key), certificate: { certificate: leaf.cert }, signature: sig });
    const e = await refusal(verifyArtifact(model, { signature: sig, signers: [{ kind: 'ca', roots: pki.rootCert }] }));
    expect(e.code).toBe('UNTRUSTED_SIGNER');
    const r = await verifyArtifact(model, { signature: sig, signers: [{ kind: 'ca', roots: pki.rootCert, intermediates: pki.intCert }] });
    expect(r.signer.identity).toBe('CN=leaf-only');
  });

  it('verifies P-384 leaves (hash by curve) and reports the key', async () => {
    const leaf = pki.leaf('p384', { curve: 'P-384' });
    const sig = path.join(dir, 'p384.sig');
    await signArtifact(model, { key: loadPrivateKey(leaf.key), certificate: { certificate: leaf.cert, chain: [pki.intCert] }, signature: sig });
    const r = await verifyArtifact(model, { signature: sig, signers: [{ kind: 'ca', roots: [pki.rootCert] }] });
    expect(r.keyType).toBe('ecdsa-p384');
  });

  it('refuses a leaf that is not for code signing', async () => {
    const leaf = pki.leaf('tls-server', { eku: 'serverAuth' });
    const sig = path.join(dir, 'tls.sig');
    await signArtifact(model, { key: loadPrivateKey(leaf.key), certificate: { certificate: leaf.cert, chain: [pki.intCert] }, signature: sig });
    const e = await refusal(verifyArtifact(model, { signature: sig, signers: [{ kind: 'ca', roots: pki.rootCert }] }));
    expect(e.code).toBe('CERTIFICATE_INVALID');
    expect(e.message).toContain('not for code signing');
  });

  it('refuses a leaf without digitalSignature', async () => {
    const leaf = pki.leaf('no-ds', { keyUsage: 'keyAgreement' });
    const sig = path.join(dir, 'no-ds.sig');
    await signArtifact(model, { key: loadPrivateKey(leaf.key), certificate: { certificate: leaf.cert, chain: [pki.intCert] }, signature: sig });
    const e = await refusal(verifyArtifact(model, { signature: sig, signers: [{ kind: 'ca', roots: pki.rootCert }] }));
    expect(e.code).toBe('CERTIFICATE_INVALID');
    expect(e.message).toContain('digitalSignature');
  });

  it('refuses a self-signed leaf unless it is itself a trusted root', async () => {
    const leaf = pki.leaf('self', { selfSigned: true });
    const sig = path.join(dir, 'self.sig');
    await signArtifact(model, { key: loadPrivateKey(leaf.key), certificate: { certificate: leaf.cert }, signature: sig });
    const e = await refusal(verifyArtifact(model, { signature: sig, signers: [{ kind: 'ca', roots: pki.rootCert }] }));
    expect(e.code).toBe('UNTRUSTED_SIGNER');
    expect(e.message).toContain('self-signed');
    const r = await verifyArtifact(model, { signature: sig, signers: [{ kind: 'ca', roots: leaf.cert }] });
    expect(r.method).toBe('certificate');
  });

  it('refuses to sign with an expired certificate, or one that is not for the key', async () => {
    const expired = pki.leaf('expired', { dates: ['20200101000000Z', '20210101000000Z'] });
    const e = await refusal(signArtifact(model, { key: loadPrivateKey(expired.key), certificate: { certificate: expired.cert }, signature: path.join(dir, 'x.sig') }));
    expect(e.code).toBe('CERTIFICATE_INVALID');
    const a = pki.leaf('a');
    const b = pki.leaf('b');
    const m = await refusal(signArtifact(model, { key: loadPrivateKey(a.key), certificate: { certificate: b.cert }, signature: path.join(dir, 'y.sig') }));
    expect(m.code).toBe('KEY_INVALID');
  });

  it("judged at the leaf's notBefore (model_signing's behaviour, explicit), refuses an intermediate not valid then", async () => {
    // The leaf claims a notBefore years before its issuer existed; every certificate is valid now.
    const late = pki.leaf('after-issuer', { dates: ['20200101000000Z', '20400101000000Z'] });
    const sig = path.join(dir, 'late.sig');
    await signArtifact(model, { key: loadPrivateKey(late.key), certificate: { certificate: late.cert, chain: [pki.intCert] }, signature: sig });
    const e = await refusal(verifyArtifact(model, { signature: sig, signers: [{ kind: 'ca', roots: pki.rootCert, validAtNotBefore: true }] }));
    expect(e.code).toBe('CERTIFICATE_INVALID');
    expect(e.message).toContain('not valid at');
    expect(e.message).toContain('(the signing time)');
    // By default validity is judged now (no log entry or timestamp proves an earlier time): valid.
    await expect(verifyArtifact(model, { signature: sig, signers: [{ kind: 'ca', roots: pki.rootCert }] })).resolves.toMatchObject({ method: 'certificate' });
  });

  it('refuses a tampered model', async () => {
    const leaf = pki.leaf('tamper');
    const copy = path.join(dir, 'copy');
    fs.cpSync(model, copy, { recursive: true });
    const sig = path.join(dir, 'tamper.sig');
    await signArtifact(copy, { key: loadPrivateKey(leaf.key), certificate: { certificate: leaf.cert, chain: [pki.intCert] }, signature: sig });
    fs.writeFileSync(path.join(copy, 'weights.bin'), 'other');
    const e = await refusal(verifyArtifact(copy, { signature: sig, signers: [{ kind: 'ca', roots: pki.rootCert }] }));
    expect(e.code).toBe('ARTIFACT_MISMATCH');
  });

  it('accepts any of several trusted signers and says which matched', async () => {
    const leaf = pki.leaf('multi');
    const sig = path.join(dir, 'multi.sig');
    await signArtifact(model, { key: loadPrivateKey(leaf.key), certificate: { certificate: leaf.cert, chain: [pki.intCert] }, signature: sig });
    const signers = [
      { kind: 'ca' as const, roots: other.rootCert, name: 'other' },
      { kind: 'ca' as const, roots: pki.rootCert, name: 'acme' },
    ];
    const r = await verifyArtifact(model, { signature: sig, signers });
    expect(r.signer.trusted).toBe(signers[1]);
  });

  it('sign refuses --certificate without --key, and --sigstore with --key', () => {
    expect(cli(['sign', model, '--certificate', pki.rootCert]).status).toBe(2);
    expect(cli(['sign', model, '--sigstore', '--key', pki.intKey]).status).toBe(2);
  });

  it('a certificate that is not for the signing key is refused before anything is hashed', async () => {
    const big = writeTree(path.join(dir, 'big-model'), { 'config.json': '{}' });
    fs.writeFileSync(path.join(big, 'w.bin'), '');
    fs.truncateSync(path.join(big, 'w.bin'), 2 ** 40);
    const rchar = () => Number(/rchar: (\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))?.[1]);
    const before = rchar();
    const e = await refusal(signArtifact(big, { key: loadPrivateKey(pki.leaf('mismatch-a').key), certificate: { certificate: pki.leaf('mismatch-b').cert } }));
    expect(e.code).toBe('KEY_INVALID');
    expect(rchar() - before).toBeLessThan(16 * 1024 * 1024);
    expect(fs.existsSync(path.join(big, 'model.sig'))).toBe(false);
  });
});
