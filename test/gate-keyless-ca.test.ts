import { createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Gate } from '../src/gate/gate';
import { createRelease, signReleaseFile } from '../src/gate/create-release';
import { readReleaseEnvelope, serializeReleaseEnvelope } from '../src/gate/release-envelope';
import { loadPolicy } from '../src/policy/load-policy';
import { loadPrivateKey, signArtifact, writeKeyPair } from '../src';
import { cli, cliAsync } from './helpers/cli';
import { makePki, type Pki } from './helpers/pki';
import { refusal } from './helpers/refusal';
import { closeLoopback, fakeIdentityToken, offlineOnly, startMockSigstore, type MockSigstore } from './helpers/sigstore-mock';
import { tmpDir, writeTree } from './helpers/tmp';

/**
 * Release records signed keyless (Sigstore) and by CA-certified keys count toward a
 * channel's threshold through the same verifier as `verify`, each distinct identity and
 * each signing key once (issue 17). In-process signing goes to a nock-served mock Sigstore;
 * the CLI's child process reaches a second one on loopback (its own CA and log).
 */

offlineOnly();
jest.setTimeout(120_000);

const ISSUER = 'https://token.actions.githubusercontent.com';
const RELEASER = 'https://github.com/acme/models/.github/workflows/release.yml@refs/tags/v1';
const PUBLISHER = 'https://github.com/acme/models/.github/workflows/publish.yml@refs/heads/main';

let dir: string;
let mock: MockSigstore;
let lo: MockSigstore;
let pki: Pki;
let otherPki: Pki;
let policyFile: string;
let keyFiles: { k1: string; publisher: string };
let leaf: { key: string; cert: string };
let counter = 0;

const keyless = (sub: string) => ({ identityToken: fakeIdentityToken({ sub, iss: ISSUER }), fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL });
const fresh = (name: string) => path.join(dir, `${name}-${++counter}`);

async function artifact(sign: 'key' | 'keyless' = 'key'): Promise<string> {
  const model = writeTree(path.join(fresh('a'), 'model'), { 'w.bin': `weights ${counter}`, 'config.json': '{}' });
  await signArtifact(model, sign === 'key' ? { key: loadPrivateKey(keyFiles.publisher) } : { sigstore: keyless(PUBLISHER) });
  return model;
}

const gate = (channel = 'prod') => new Gate(policyFile, fresh('state'), { channel, init: true });

beforeAll(async () => {
  dir = tmpDir('modelseal-gate-kl-');
  mock = await startMockSigstore(dir, { name: 'gatekl' });
  lo = await startMockSigstore(dir, { name: 'gatekllo', loopback: true });
  pki = makePki(path.join(dir, 'pki'), 'acme');
  otherPki = makePki(path.join(dir, 'pki-other'), 'acme'); // same names, other keys
  leaf = pki.leaf('release-signer');
  keyFiles = {
    k1: writeKeyPair(path.join(dir, 'k1'), 'ecdsa-p256').privateKeyPath,
    publisher: writeKeyPair(path.join(dir, 'publisher'), 'ed25519').privateKeyPath,
  };
  // The CA leaf's own key, also trusted as a bare key: one key holder, whichever way it signs.
  fs.writeFileSync(path.join(dir, 'leaf.pub'), createPublicKey(fs.readFileSync(leaf.key)).export({ type: 'spki', format: 'pem' }));
  policyFile = path.join(dir, 'policy.yaml');
  fs.writeFileSync(
    policyFile,
    [
      'apiVersion: modelseal.dev/policy/v1',
      'signers:',
      '  publisher: { keys: [publisher.pub] }',
      `  publisher-ci: { sigstore: { identity: '${PUBLISHER}', issuer: '${ISSUER}', trustedRoot: ${path.basename(mock.trustedRootFile)} } }`,
      '  release-key: { keys: [k1.pub] }',
      `  release-ci: { sigstore: { identity: '${RELEASER}', issuer: '${ISSUER}', trustedRoot: ${path.basename(mock.trustedRootFile)} } }`,
      `  release-ci-cli: { sigstore: { identity: '${RELEASER}', issuer: '${ISSUER}', trustedRoot: ${path.basename(lo.trustedRootFile)} } }`,
      `  release-ca: { ca: { roots: ${path.relative(dir, pki.rootCert)} } }`,
      '  leaf-key: { keys: [leaf.pub] }',
      'artifacts:',
      "  - { name: '**', signers: [publisher, publisher-ci] }",
      'channels:',
      '  prod: { signers: [release-key, release-ci, release-ci-cli, release-ca, leaf-key], threshold: 2 }',
      '  ci-only: { signers: [release-ci], threshold: 1 }',
      '',
    ].join('\n'),
  );
  expect(path.dirname(mock.trustedRootFile)).toBe(dir);
});

afterAll(() => closeLoopback());

describe('release records signed keyless and by CA-certified keys', () => {
  it('a Sigstore signature and a key signature make 2 of 2; the decision names who signed', async () => {
    const model = await artifact();
    const file = fresh('release.json');
    const created = await createRelease([model], { channel: 'prod', version: 1, expires: '7d', sigstore: keyless(RELEASER) });
    expect(created.signed).toMatchObject({ method: 'sigstore', identity: RELEASER });
    expect(created.envelope.signatures).toHaveLength(0);
    expect(created.envelope.bundles).toHaveLength(1);
    fs.writeFileSync(file, created.json);
    // One signer alone is below the threshold, and the refusal says so.
    const one = await refusal(gate().check(file, [model]));
    expect(one.code).toBe('THRESHOLD_NOT_MET');
    expect(one.message).toContain('1 distinct trusted key(s) or identities');

    await signReleaseFile(file, loadPrivateKey(keyFiles.k1));
    const d = await gate().check(file, [model]);
    expect(d.signedBy.map((s) => [s.signer, s.method]).sort()).toEqual([['release-ci', 'sigstore'], ['release-key', 'key']]);
    expect(d.signedBy.find((s) => s.method === 'sigstore')).toMatchObject({ id: RELEASER, issuer: ISSUER });
  });

  it('the same Sigstore identity twice counts once (a new ephemeral key each time)', async () => {
    const model = await artifact();
    const file = fresh('release.json');
    fs.writeFileSync(file, (await createRelease([model], { channel: 'prod', version: 1, expires: '7d', sigstore: keyless(RELEASER) })).json);
    await signReleaseFile(file, { sigstore: keyless(RELEASER) });
    expect(readReleaseEnvelope(file).bundles).toHaveLength(2);
    const e = await refusal(gate().check(file, [model]));
    expect(e.code).toBe('THRESHOLD_NOT_MET');
  });

  it('an identity the policy does not trust, or one from another issuer, does not count, and the refusal says why', async () => {
    const model = await artifact();
    const file = fresh('release.json');
    fs.writeFileSync(file, (await createRelease([model], { channel: 'prod', version: 1, expires: '7d', sigstore: keyless('https://github.com/evil/models/.github/workflows/release.yml@refs/tags/v1') })).json);
    await signReleaseFile(file, { sigstore: { ...keyless(RELEASER), identityToken: fakeIdentityToken({ sub: RELEASER, iss: 'https://accounts.example.com' }) } });
    await signReleaseFile(file, loadPrivateKey(keyFiles.k1));
    const e = await refusal(gate().check(file, [model]));
    expect(e.code).toBe('THRESHOLD_NOT_MET');
    expect(e.message).toMatch(/2 bundle\(s\) did not count; first: bundle #1: /);
    expect(e.message.length).toBeLessThan(700);
  });

  it('a CA-certified key (bundle with its chain) and a Sigstore identity make 2 of 2, from the CLI', async () => {
    const model = await artifact();
    const file = fresh('release.json');
    const created = cli(['release', 'create', model, '--channel', 'prod', '--version', '3', '--expires', '7d', '--key', leaf.key, '--certificate', leaf.cert, '--certificate-chain', pki.intCert, '--out', file, '--json']);
    expect(created.status).toBe(0);
    expect(created.json).toMatchObject({ ok: true, signingMethod: 'certificate', identity: expect.stringContaining('release-signer') });
    const token = fakeIdentityToken({ sub: RELEASER, iss: ISSUER });
    const signed = await cliAsync(['release', 'sign', file, '--sigstore', '--identity-token', token, '--fulcio-url', lo.fulcioURL, '--rekor-url', lo.rekorURL, '--json']);
    expect(signed.stderr).toBe('');
    expect(signed.json).toMatchObject({ ok: true, signingMethod: 'sigstore', identity: RELEASER, signatures: 2 });
    const state = fresh('state');
    const g = cli(['gate', model, '--channel', 'prod', '--policy', policyFile, '--state', state, '--release', file, '--init', '--json']);
    expect(g.status).toBe(0);
    expect(g.json.signedBy.map((s: { signer: string; method: string; id: string }) => [s.signer, s.method, s.id]).sort()).toEqual([
      ['release-ca', 'certificate', 'CN=release-signer'],
      ['release-ci-cli', 'sigstore', RELEASER],
    ]);
    const text = cli(['gate', model, '--channel', 'prod', '--policy', policyFile, '--state', state, '--release', file]);
    expect(text.status).toBe(1); // the same version again: a replay
    expect(text.stderr).toMatch(/ROLLBACK|replay/);
  });

  it('one key counts once: a bare signature and a certificate bundle by the same key are one signer', async () => {
    const model = await artifact();
    const file = fresh('release.json');
    fs.writeFileSync(file, (await createRelease([model], { channel: 'prod', version: 1, expires: '7d', key: loadPrivateKey(leaf.key), certificate: { certificate: leaf.cert, chain: [pki.intCert] } })).json);
    // signReleaseFile refuses the same key again; an attacker writes the file by hand.
    await expect(signReleaseFile(file, loadPrivateKey(leaf.key))).rejects.toMatchObject({ code: 'USAGE_ERROR' });
    const env = readReleaseEnvelope(file);
    const { addReleaseSignature } = require('../src/gate/release-envelope');
    fs.writeFileSync(file, serializeReleaseEnvelope(addReleaseSignature(env, loadPrivateKey(leaf.key))));
    const e = await refusal(gate().check(file, [model]));
    expect(e.code).toBe('THRESHOLD_NOT_MET');
    expect(e.message).toContain('1 distinct trusted key(s) or identities');
  });

  it('a certificate from another CA with the same names does not count', async () => {
    const model = await artifact();
    const file = fresh('release.json');
    const stranger = otherPki.leaf('release-signer');
    fs.writeFileSync(file, (await createRelease([model], { channel: 'prod', version: 1, expires: '7d', key: loadPrivateKey(stranger.key), certificate: { certificate: stranger.cert, chain: [otherPki.intCert] } })).json);
    await signReleaseFile(file, loadPrivateKey(keyFiles.k1));
    const e = await refusal(gate().check(file, [model]));
    expect(e.code).toBe('THRESHOLD_NOT_MET');
    expect(e.message).toContain('1 bundle(s) did not count');
  });

  it('a bundle over another payload (spliced from another release) makes the record invalid', async () => {
    const model = await artifact();
    const v1 = (await createRelease([model], { channel: 'prod', version: 1, expires: '7d', key: loadPrivateKey(keyFiles.k1) })).envelope;
    const v9 = (await createRelease([model], { channel: 'prod', version: 9, expires: '7d', sigstore: keyless(RELEASER) })).envelope;
    const spliced = JSON.parse(serializeReleaseEnvelope(v1));
    spliced.bundles = JSON.parse(serializeReleaseEnvelope(v9)).bundles;
    const file = fresh('release.json');
    fs.writeFileSync(file, JSON.stringify(spliced));
    const e = await refusal(gate().check(file, [model]));
    expect(e.code).toBe('RELEASE_INVALID');
    expect(e.message).toContain('bundle #1 signs another payload');
  });

  it('a parsed envelope handed to the gate with a bundle over another payload is refused too', async () => {
    const model = await artifact();
    const v1 = (await createRelease([model], { channel: 'ci-only', version: 1, expires: '7d', sigstore: keyless(RELEASER) })).envelope;
    const v9 = (await createRelease([model], { channel: 'ci-only', version: 9, expires: '7d', sigstore: keyless(RELEASER) })).envelope;
    const e = await refusal(gate('ci-only').check({ ...v1, bundles: v9.bundles }, [model]));
    expect(e.code).toBe('RELEASE_INVALID');
    expect(e.message).toContain('bundle #1 signs another payload');
  });

  it('a bundle whose signature was altered does not count', async () => {
    const model = await artifact();
    const file = fresh('release.json');
    fs.writeFileSync(file, (await createRelease([model], { channel: 'ci-only', version: 1, expires: '7d', sigstore: keyless(RELEASER) })).json);
    expect((await gate('ci-only').check(file, [model])).signedBy).toHaveLength(1);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    const sig = Buffer.from(doc.bundles[0].dsseEnvelope.signatures[0].sig, 'base64');
    sig[sig.length - 1] ^= 1;
    doc.bundles[0].dsseEnvelope.signatures[0].sig = sig.toString('base64');
    fs.writeFileSync(file, JSON.stringify(doc));
    const e = await refusal(gate('ci-only').check(file, [model]));
    expect(e.code).toBe('SIGNATURE_MISMATCH');
    expect(e.message).toContain('did not count');
  });

  it('an artifact signed keyless by the publisher identity passes the gate', async () => {
    const model = await artifact('keyless');
    const file = fresh('release.json');
    fs.writeFileSync(file, (await createRelease([model], { channel: 'ci-only', version: 1, expires: '7d', sigstore: keyless(RELEASER) })).json);
    const d = await gate('ci-only').check(file, [model]);
    expect(d.artifacts.map((a) => a.name)).toEqual(['model']);
  });

  it('release create needs a signer; a policy threshold above its exact identities is refused, a pattern has no bound', () => {
    const r = cli(['release', 'create', '.', '--channel', 'prod', '--version', '1', '--expires', '7d', '--json']);
    expect(r.status).toBe(2);
    expect(r.json.error.message).toMatch(/--key KEY .*or --sigstore/);
    const p = (channel: string, signer: string) => {
      const f = fresh('policy.yaml');
      fs.writeFileSync(f, ['apiVersion: modelseal.dev/policy/v1', 'signers:', `  ci: ${signer}`, 'channels:', `  prod: ${channel}`, ''].join('\n'));
      return f;
    };
    expect(() => loadPolicy(p('{ signers: [ci], threshold: 2 }', `{ sigstore: { identity: '${RELEASER}', issuer: '${ISSUER}' } }`))).toThrow(/threshold 2 is more than the 1 distinct key\(s\) and exact Sigstore identities/);
    expect(loadPolicy(p('{ signers: [ci], threshold: 3 }', `{ sigstore: { identity: 'https://github.com/acme/.*', identityRegexp: true, issuer: '${ISSUER}' } }`)).channels.get('prod')?.threshold).toBe(3);
  });
});
