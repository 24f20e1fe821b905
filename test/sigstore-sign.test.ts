import * as fs from 'node:fs';
import * as path from 'node:path';
import nock from 'nock';
import { signArtifact, verifyArtifact } from '../src';
import { tmpDir, writeTree } from './helpers/tmp';
import { fakeIdentityToken, offlineOnly, startMockSigstore, type MockSigstore } from './helpers/sigstore-mock';
import { refusal } from './helpers/refusal';

offlineOnly();

const IDENTITY = 'https://github.com/acme/models/.github/workflows/release.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const token = fakeIdentityToken({ sub: IDENTITY, iss: ISSUER });

describe('keyless signing against mocked Fulcio, Rekor and TSA, verified offline', () => {
  let dir: string;
  let mock: MockSigstore;
  let model: string;
  let sig: string;
  const trust = () => ({ kind: 'sigstore' as const, identity: IDENTITY, issuer: ISSUER, trustedRoot: mock.trustedRootFile });

  beforeAll(async () => {
    dir = tmpDir();
    mock = await startMockSigstore(dir);
    model = writeTree(path.join(dir, 'model'), { 'weights.bin': 'w'.repeat(1000), 'config.json': '{"layers": 2}' });
    sig = path.join(dir, 'model.sig');
    await signArtifact(model, {
      sigstore: { identityToken: token, fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL, tsaURL: mock.tsaURL },
      signature: sig,
    });
  });

  it('writes an OMS v0.3 bundle with a single Fulcio certificate, a dsse Rekor entry and a timestamp', () => {
    const b = JSON.parse(fs.readFileSync(sig, 'utf8'));
    expect(b.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(Object.keys(b.verificationMaterial.certificate)).toEqual(['rawBytes']);
    expect(b.verificationMaterial.tlogEntries).toHaveLength(1);
    expect(b.verificationMaterial.tlogEntries[0].kindVersion).toEqual({ kind: 'dsse', version: '0.0.1' });
    expect(b.verificationMaterial.timestampVerificationData.rfc3161Timestamps).toHaveLength(1);
    expect(b.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
    const statement = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString());
    expect(statement.predicateType).toBe('https://model_signing/signature/v1.0');
  });

  it('verifies offline and reports identity, issuer, log index and integrated time', async () => {
    const r = await verifyArtifact(model, { signature: sig, signers: [trust()] });
    expect(r.method).toBe('sigstore');
    expect(r.signer.identity).toBe(IDENTITY);
    expect(r.signer.issuer).toBe(ISSUER);
    expect(r.signer.logIndex).toMatch(/^\d+$/);
    expect(Date.parse(r.signer.integratedTime as string)).toBeGreaterThan(Date.now() - 3600_000);
    expect(r.signer.rfc3161Timestamps).toBe(1);
  });

  it('accepts a whole-value identity regexp, and refuses a partial one', async () => {
    const ok = await verifyArtifact(model, { signature: sig, signers: [{ ...trust(), identity: /https:\/\/github\.com\/acme\/models\/.*/ }] });
    expect(ok.signer.identity).toBe(IDENTITY);
    const e = await refusal(verifyArtifact(model, { signature: sig, signers: [{ ...trust(), identity: /acme/ }] }));
    expect(e.code).toBe('IDENTITY_MISMATCH');
  });

  it('refuses a wrong identity, naming both', async () => {
    const e = await refusal(verifyArtifact(model, { signature: sig, signers: [{ ...trust(), identity: 'https://github.com/evil/models/.github/workflows/release.yml@refs/heads/main' }] }));
    expect(e.code).toBe('IDENTITY_MISMATCH');
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain(IDENTITY);
    expect(e.message).toContain('evil');
  });

  it('refuses a wrong issuer, naming it', async () => {
    const e = await refusal(verifyArtifact(model, { signature: sig, signers: [{ ...trust(), issuer: 'https://accounts.google.com' }] }));
    expect(e.code).toBe('IDENTITY_MISMATCH');
    expect(e.message).toContain('https://accounts.google.com');
    expect(e.message).toContain(ISSUER);
  });

  it('refuses when the transparency-log body was tampered with', async () => {
    const b = JSON.parse(fs.readFileSync(sig, 'utf8'));
    const entry = b.verificationMaterial.tlogEntries[0];
    const body = JSON.parse(Buffer.from(entry.canonicalizedBody, 'base64').toString());
    body.spec.payloadHash = { algorithm: 'sha256', value: 'ab'.repeat(32) };
    entry.canonicalizedBody = Buffer.from(JSON.stringify(body)).toString('base64');
    const bad = path.join(dir, 'tampered-body.sig');
    fs.writeFileSync(bad, JSON.stringify(b));
    const e = await refusal(verifyArtifact(model, { signature: bad, signers: [trust()] }));
    expect(e.code).toBe('TRANSPARENCY_LOG_INVALID');
  });

  it('refuses a log entry without inclusion proof or promise', async () => {
    const b = JSON.parse(fs.readFileSync(sig, 'utf8'));
    delete b.verificationMaterial.tlogEntries[0].inclusionProof;
    delete b.verificationMaterial.tlogEntries[0].inclusionPromise;
    const bad = path.join(dir, 'no-inclusion.sig');
    fs.writeFileSync(bad, JSON.stringify(b));
    const e = await refusal(verifyArtifact(model, { signature: bad, signers: [trust()] }));
    expect(e.exitCode).toBe(1);
    expect(['BUNDLE_INVALID', 'TRANSPARENCY_LOG_INVALID']).toContain(e.code);
  });

  it('refuses a modified model file', async () => {
    const copy = path.join(dir, 'model-copy');
    fs.cpSync(model, copy, { recursive: true });
    fs.appendFileSync(path.join(copy, 'weights.bin'), 'x');
    const e = await refusal(verifyArtifact(copy, { signature: sig, signers: [trust()] }));
    expect(e.code).toBe('ARTIFACT_MISMATCH');
  });

  it('refuses a certificate from another CA (a trusted root of a different instance)', async () => {
    const other = await startMockSigstore(dir, { name: 'other' });
    const e = await refusal(verifyArtifact(model, { signature: sig, signers: [{ ...trust(), trustedRoot: other.trustedRootFile }] }));
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain(other.trustedRootFile);
  });

  it('refuses a certificate that had expired when the entry was logged', async () => {
    const old = await startMockSigstore(dir, { name: 'expired', caClock: new Date(Date.now() - 24 * 3600_000) });
    const oldSig = path.join(dir, 'expired.sig');
    await signArtifact(model, { sigstore: { identityToken: token, fulcioURL: old.fulcioURL, rekorURL: old.rekorURL }, signature: oldSig });
    const e = await refusal(verifyArtifact(model, { signature: oldSig, signers: [{ ...trust(), trustedRoot: old.trustedRootFile }] }));
    expect(e.code).toBe('CERTIFICATE_INVALID');
  });

  it('refuses a key-signed expectation for a keyless bundle', async () => {
    const e = await refusal(verifyArtifact(model, { signature: sig, signers: [{ kind: 'ca', roots: [] as string[] }] }));
    expect(e.code).toBe('UNTRUSTED_SIGNER');
    expect(e.message).toContain('--identity');
  });

  it('reports a service failure as SERVICE_ERROR without writing a signature', async () => {
    const out = path.join(dir, 'never.sig');
    // Fulcio answers 503 to every try (a refused connection instead would surface on a socket
    // after the test, when a retry is still under way, and end the test process).
    const down = nock('https://fulcio.down.test').persist().post(/.*/).reply(503, 'unavailable'); // removed by offlineOnly's cleanAll
    const e = await refusal(signArtifact(model, { sigstore: { identityToken: token, fulcioURL: 'https://fulcio.down.test', rekorURL: mock.rekorURL, timeoutSeconds: 10 }, signature: out }));
    expect(e.code).toBe('SERVICE_ERROR');
    expect(down.isDone()).toBe(true);
    expect(fs.existsSync(out)).toBe(false);
  });
});
