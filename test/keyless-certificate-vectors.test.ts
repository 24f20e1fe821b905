import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyArtifact } from '../src';
import { DsseSignatureContent } from '../src/verify/signature-content';
import { cli } from './helpers/cli';
import { makePki } from './helpers/pki';
import { tmpDir } from './helpers/tmp';
import { describeWithVectors, vector } from './helpers/vectors';
import { refusal } from './helpers/refusal';

/** model_signing's signed models (v0.2.0-v1.1.0) and the OMS v1.0 vectors, verified offline. */
const MT = (...p: string[]) => vector('model-transparency', 'scripts', 'tests', ...p);
const OMS = (f: string) => vector('oms-v1.0', 'test-vectors', 'v1.0', 'valid', f);
const CA_ROOT = () => MT('keys', 'certificate', 'ca-cert.pem');
const IDENTITY = 'stefanb@us.ibm.com';
const ISSUER = 'https://sigstore.verify.ibm.com/oauth2';
const VERSIONS = ['v0.2.0', 'v0.3.1', 'v1.0.0', 'v1.0.1', 'v1.1.0'];
const MODEL_DIGEST = '61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226'; // README §1

describeWithVectors('model_signing certificate vectors (CA root ca-cert.pem)', () => {
  it.each(VERSIONS)('%s-certificate verifies', async (v) => {
    const r = await verifyArtifact(MT(`${v}-certificate`), { signers: [{ kind: 'ca', roots: CA_ROOT() }], ignorePaths: ['ignore-me'] });
    expect(r.method).toBe('certificate');
    expect(r.rootDigest).toBe(MODEL_DIGEST);
    expect(r.signer.issuer).toBe('CN=root-ca');
    expect(r.keyType).toBe('ecdsa-p384');
    // Only v0.2.0 used the malformed PAE.
    expect(r.signer.legacyEncoding ?? false).toBe(v === 'v0.2.0');
    if (v === 'v0.2.0') expect(r.predicateType).toBe('https://model_signing/Digests/v0.1');
  });

  it.each(VERSIONS)('%s-certificate is refused under another root', async (v) => {
    const e = await refusal(verifyArtifact(MT(`${v}-certificate`), { signers: [{ kind: 'ca', roots: otherRoot() }], ignorePaths: ['ignore-me'] }));
    expect(e.code).toBe('UNTRUSTED_SIGNER');
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain('does not chain to a trusted CA root');
  });

  it('the v0.2.0 signature does not verify over the standard PAE alone (the legacy path is what accepts it)', async () => {
    const b = JSON.parse(fs.readFileSync(MT('v0.2.0-certificate', 'model.sig'), 'utf8'));
    const leaf = new X509Certificate(Buffer.from(b.verificationMaterial.x509CertificateChain.certificates[0].rawBytes, 'base64'));
    const parts = { payloadType: b.dsseEnvelope.payloadType, payload: Buffer.from(b.dsseEnvelope.payload, 'base64'), sig: Buffer.from(b.dsseEnvelope.signatures[0].sig, 'base64') };
    expect(new DsseSignatureContent(parts, false).verifySignature(leaf.publicKey)).toBe(false);
    expect(new DsseSignatureContent(parts, true).verifySignature(leaf.publicKey)).toBe(true);
  });

  it('OMS valid/certificate.bundle.json verifies against the v1.1.0-elliptic-key files', async () => {
    const r = await verifyArtifact(MT('v1.1.0-elliptic-key'), { signature: OMS('certificate.bundle.json'), signers: [{ kind: 'ca', roots: CA_ROOT() }], ignorePaths: ['ignore-me', 'model.sig'] });
    expect(r.method).toBe('certificate');
  });
});

/** A root CA that did not issue the model_signing chain (same subject name as theirs, other key). */
let unrelated: string | undefined;
function otherRoot(): string {
  unrelated ??= makePki(path.join(tmpDir(), 'pki'), 'root-ca').rootCert;
  return unrelated;
}

describeWithVectors('model_signing sigstore vectors (public-good root shipped with modelseal)', () => {
  it.each(VERSIONS.slice(1))('%s-sigstore verifies offline with identity and issuer', async (v) => {
    const r = await verifyArtifact(MT(`${v}-sigstore`), { signers: [{ kind: 'sigstore', identity: IDENTITY, issuer: ISSUER }], ignorePaths: ['ignore-me'] });
    expect(r.method).toBe('sigstore');
    expect(r.signer.identity).toBe(IDENTITY);
    expect(r.signer.issuer).toBe(ISSUER);
    expect(r.signer.logIndex).toMatch(/^\d+$/);
    expect(r.signer.integratedTime).toMatch(/^20\d\d-/);
  });

  it('OMS valid/sigstore.bundle.json verifies against the v1.1.0-sigstore files', async () => {
    const r = await verifyArtifact(MT('v1.1.0-sigstore'), { signature: OMS('sigstore.bundle.json'), signers: [{ kind: 'sigstore', identity: IDENTITY, issuer: ISSUER }], ignorePaths: ['ignore-me'] });
    expect(r.signer.rfc3161Timestamps).toBe(1);
  });
});

describeWithVectors('verify CLI on keyless and certificate vectors', () => {
  const base = (v: string) => ['verify', MT(v), '--ignore-paths', 'ignore-me', '--json'];

  it('reports method, identity, issuer, log index and integrated time in --json', () => {
    const r = cli([...base('v1.0.1-sigstore'), '--identity', IDENTITY, '--issuer', ISSUER]);
    expect(r.status).toBe(0);
    const entry = JSON.parse(fs.readFileSync(MT('v1.0.1-sigstore', 'model.sig'), 'utf8')).verificationMaterial.tlogEntries[0];
    expect(r.json).toMatchObject({ ok: true, signingMethod: 'sigstore', identity: IDENTITY, issuer: ISSUER, logIndex: entry.logIndex });
    expect(r.json.integratedTime).toBe(new Date(Number(entry.integratedTime) * 1000).toISOString());
  });

  it('refuses a wrong identity with exit 1 and names it', () => {
    const r = cli([...base('v1.1.0-sigstore'), '--identity', 'mallory@us.ibm.com', '--issuer', ISSUER]);
    expect(r.status).toBe(1);
    expect(r.json.error.code).toBe('IDENTITY_MISMATCH');
    expect(r.json.error.message).toContain('mallory@us.ibm.com');
    expect(r.json.error.message).toContain(IDENTITY);
  });

  it('refuses a wrong issuer with exit 1 and names it', () => {
    const r = cli(['verify', MT('v1.0.0-sigstore'), '--identity', IDENTITY, '--issuer', 'https://github.com/login/oauth']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('https://github.com/login/oauth');
    expect(r.stderr).toContain('[IDENTITY_MISMATCH]');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses under a trusted root that is not the signer\'s, naming the root', () => {
    const root = vector('sigstore-conformance', 'bundle-verify', 'intoto-with-custom-trust-root', 'trusted_root.json');
    const r = cli([...base('v1.0.1-sigstore'), '--identity', IDENTITY, '--issuer', ISSUER, '--trusted-root', root]);
    expect(r.status).toBe(1);
    expect(r.json.error.message).toContain(root);
  });

  it('verifies a certificate vector with --ca-roots and refuses it under another root', () => {
    const ok = cli([...base('v1.1.0-certificate'), '--ca-roots', CA_ROOT()]);
    expect(ok.status).toBe(0);
    expect(ok.json).toMatchObject({ signingMethod: 'certificate', identity: 'CN=intermediate-ca', issuer: 'CN=root-ca' });
    const bad = cli([...base('v1.1.0-certificate'), '--ca-roots', otherRoot()]);
    expect(bad.status).toBe(1);
    expect(bad.json.error.code).toBe('UNTRUSTED_SIGNER');
  });

  it('refuses a certificate bundle when only a key is trusted, saying what to give', () => {
    const r = cli([...base('v1.1.0-certificate'), '--key', MT('keys', 'certificate', 'signing-key-pub.pem')]);
    expect(r.status).toBe(1);
    expect(r.json.error.message).toContain('--ca-roots');
  });
});
