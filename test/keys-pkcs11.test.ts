import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, REPO } from './helpers/cli';
import { DEBIAN_PYTHON, debianPython, describeWithPeers } from './helpers/peers';
import { makeToken, pkcs11jsPeer, pkcs11ToolPeer, softhsmPeer, SOFTHSM_MODULE, type SoftHsmToken } from './helpers/softhsm';
import { makePki } from './helpers/pki';
import { tmpDir, writeTree } from './helpers/tmp';

// Keys on a REAL PKCS#11 token: SoftHSM2, initialised per test file in a temporary folder.
const verifier = path.join(REPO, 'test/interop/oms_verify_key.py');

function model(): string {
  return writeTree(tmpDir(), { 'config.json': '{"layers":2}', 'weights/w.safetensors': Buffer.alloc(10_000, 5) });
}

function expectCleanFailure(r: ReturnType<typeof cli>, code: string, pin?: string): void {
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain(`[${code}]`);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  if (pin) expect(r.stdout + r.stderr).not.toContain(pin);
}

describeWithPeers([softhsmPeer(), pkcs11jsPeer()], 'PKCS#11 keys on a SoftHSM2 token', () => {
  let token: SoftHsmToken;
  const pubs: Record<string, string> = {};
  beforeAll(() => {
    token = makeToken('release-token', '48151623');
  });

  for (const type of ['ecdsa-p256', 'ecdsa-p384', 'ed25519'] as const) {
    it(`keygen --pkcs11 makes a ${type} key pair on the token, sign uses it, verify accepts it`, () => {
      const prefix = path.join(tmpDir(), type);
      const uri = token.uri(`model-${type}`, `pin-source=file:${token.pinFile}`);
      const g = cli(['keygen', '--type', type, '--pkcs11', uri, '--out', prefix, '--json'], { env: token.env });
      expect(g.stderr).toBe('');
      expect(g.status).toBe(0);
      expect(g.json).toMatchObject({ ok: true, type, keySource: 'pkcs11' });
      expect(g.json.keyReference).not.toContain(token.pin);
      pubs[type] = `${prefix}.pub`;
      expect(fs.readFileSync(pubs[type], 'utf8')).toBe(g.json.publicKeyPem);

      const m = model();
      const s = cli(['sign', m, '--key', token.uri(`model-${type}`), '--json'], { env: { ...token.env, MODELSEAL_PKCS11_PIN: token.pin } });
      expect(s.stderr).toBe('');
      expect(s.status).toBe(0);
      expect(s.json).toMatchObject({ ok: true, keyType: type, keySource: 'pkcs11', keyHint: g.json.hint });
      expect(s.stdout).not.toContain(token.pin);

      const v = cli(['verify', m, '--key', pubs[type], '--json']);
      expect(v.status).toBe(0);
      expect(v.json.keyHint).toBe(g.json.hint);
      // verify reads the public key from the token itself (no PIN needed for a public object)
      expect(cli(['verify', m, '--key', token.uri(`model-${type}`)], { env: token.env }).status).toBe(0);
      // a change to the files is refused: the checks above can fail
      fs.appendFileSync(path.join(m, 'config.json'), ' ');
      expect(cli(['verify', m, '--key', pubs[type]]).status).toBe(1);
    });
  }

  describeWithPeers(debianPython('cryptography'), 'the independent Python verifier', () => {
    for (const type of ['ecdsa-p256', 'ecdsa-p384'] as const) {
      it(`accepts a ${type} signature made on the token`, () => {
        const m = model();
        const s = cli(['sign', m, '--key', token.uri(`model-${type}`, `pin-value=${token.pin}`)], { env: token.env });
        expect(s.status).toBe(0);
        const r = spawnSync(DEBIAN_PYTHON, [verifier, m, path.join(m, 'model.sig'), pubs[type]], { encoding: 'utf8' });
        expect(r.stdout.trim()).toBe('OK');
        expect(r.status).toBe(0);
      });
    }
  });

  describeWithPeers(pkcs11ToolPeer(), "a key made by OpenSC's pkcs11-tool", () => {
    it('signs, and its public key exported by pkcs11-tool verifies the signature', () => {
      const env = { ...process.env, ...token.env };
      const gen = spawnSync('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', token.label, '--login', '--pin', token.pin, '--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'tool-key', '--id', '0a0b'], { env, encoding: 'utf8' });
      expect(gen.status).toBe(0);
      const dir = tmpDir();
      const der = path.join(dir, 'pub.der');
      const pem = path.join(dir, 'pub.pem');
      expect(spawnSync('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', token.label, '--read-object', '--type', 'pubkey', '--id', '0a0b', '-o', der], { env }).status).toBe(0);
      expect(spawnSync('openssl', ['pkey', '-pubin', '-inform', 'DER', '-in', der, '-out', pem]).status).toBe(0);
      const m = model();
      // named by id alone (percent-encoded bytes), PIN from the environment
      const uri = `pkcs11:token=${token.label};id=%0A%0b?module-path=${SOFTHSM_MODULE}`;
      const s = cli(['sign', m, '--key', uri], { env: { ...token.env, MODELSEAL_PKCS11_PIN: token.pin } });
      expect(s.stderr).toBe('');
      expect(s.status).toBe(0);
      expect(cli(['verify', m, '--key', pem]).status).toBe(0);
    });
  });

  it('signs release records, co-signs them and pins in a lock file with token keys', () => {
    const m = model();
    const env = { ...token.env, MODELSEAL_PKCS11_PIN: token.pin };
    expect(cli(['sign', m, '--key', token.uri('model-ecdsa-p256')], { env }).status).toBe(0);
    const rel = path.join(tmpDir(), 'release.json');
    const c = cli(['release', 'create', m, '--channel', 'prod', '--version', '3', '--expires', '7d', '--key', token.uri('model-ecdsa-p256'), '--out', rel, '--json'], { env });
    expect(c.status).toBe(0);
    const s = cli(['release', 'sign', rel, '--key', token.uri('model-ecdsa-p384'), '--json'], { env });
    expect(s.status).toBe(0);
    expect(s.json.signatures).toBe(2);
    const again = cli(['release', 'sign', rel, '--key', token.uri('model-ecdsa-p384')], { env });
    expect(again.status).toBe(2); // the same key twice is refused
    const lock = path.join(tmpDir(), 'modelseal.lock');
    const l = cli(['lock', 'add', 'acme/model', m, '--key', token.uri('model-ecdsa-p256'), '--lock', lock, '--json'], { env: token.env });
    expect(l.stderr).toBe('');
    expect(l.status).toBe(0);
    expect(cli(['lock', 'verify', '--lock', lock]).status).toBe(0);
  });

  it('signs with the certificate method: a CA-issued certificate for the token key, checked against the key on the token', () => {
    const dir = tmpDir();
    const pki = makePki(dir);
    const other = pki.leaf('other'); // a certificate for some other key
    const csr = path.join(dir, 'token.csr');
    const leaf = path.join(dir, 'token-leaf.pem');
    const cnf = path.join(dir, 'leaf.cnf');
    fs.writeFileSync(cnf, '[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n');
    execFileSync('openssl', ['req', '-new', '-key', other.key, '-subj', '/CN=token release key', '-out', csr]);
    execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', pki.intCert, '-CAkey', pki.intKey, '-CAcreateserial', '-force_pubkey', pubs['ecdsa-p256'], '-days', '30', '-extfile', cnf, '-extensions', 'leaf', '-out', leaf], { stdio: 'ignore' });
    const env = { ...token.env, MODELSEAL_PKCS11_PIN: token.pin };
    const m = model();
    const s = cli(['sign', m, '--key', token.uri('model-ecdsa-p256'), '--certificate', leaf, '--certificate-chain', pki.intCert, '--json'], { env });
    expect(s.stderr).toBe('');
    expect(s.json).toMatchObject({ ok: true, signingMethod: 'certificate', keySource: 'pkcs11' });
    expect(cli(['verify', m, '--ca-roots', pki.rootCert]).status).toBe(0);
    const wrong = cli(['sign', model(), '--key', token.uri('model-ecdsa-p256'), '--certificate', other.cert, '--certificate-chain', pki.intCert], { env });
    expectCleanFailure(wrong, 'KEY_INVALID', token.pin);
    expect(wrong.stderr).toContain('is not for this private key');
  });

  it('refuses a wrong PIN, a missing PIN, a missing token, a missing object and a module that is not PKCS#11: one line, exit 2, PIN never printed', () => {
    const m = model();
    const wrong = '99999999';
    expectCleanFailure(cli(['sign', m, '--key', token.uri('model-ecdsa-p256', `pin-value=${wrong}`)], { env: token.env }), 'TOKEN_PIN_WRONG', wrong);
    const wrongJson = cli(['sign', m, '--key', token.uri('model-ecdsa-p256'), '--json'], { env: { ...token.env, MODELSEAL_PKCS11_PIN: wrong } });
    expect(wrongJson.status).toBe(2);
    expect(wrongJson.json.error.code).toBe('TOKEN_PIN_WRONG');
    expect(wrongJson.stdout + wrongJson.stderr).not.toContain(wrong);
    expectCleanFailure(cli(['sign', m, '--key', token.uri('model-ecdsa-p256')], { env: token.env }), 'TOKEN_PIN_WRONG');
    const env = { ...token.env, MODELSEAL_PKCS11_PIN: token.pin };
    expectCleanFailure(cli(['sign', m, '--key', `pkcs11:token=no-such-token;object=model-ecdsa-p256?module-path=${SOFTHSM_MODULE}`], { env }), 'TOKEN_NOT_FOUND', token.pin);
    expectCleanFailure(cli(['sign', m, '--key', token.uri('no-such-object')], { env }), 'TOKEN_KEY_NOT_FOUND', token.pin);
    // a real shared object that is not a PKCS#11 module: the binding's own addon
    const notPkcs11 = require.resolve('pkcs11js/build/Release/pkcs11.node');
    expectCleanFailure(cli(['sign', m, '--key', `pkcs11:token=x;object=y?module-path=${notPkcs11}&pin-value=${token.pin}`], { env }), 'PKCS11_MODULE_INVALID', token.pin);
    const text = path.join(tmpDir(), 'module.so');
    fs.writeFileSync(text, 'not a library');
    expectCleanFailure(cli(['sign', m, '--key', `pkcs11:token=x;object=y?module-path=${text}`], { env }), 'PKCS11_MODULE_INVALID');
    expectCleanFailure(cli(['sign', m, '--key', 'pkcs11:token=x;object=y?module-path=libsofthsm2.so'], { env }), 'PKCS11_MODULE_INVALID');
    expectCleanFailure(cli(['sign', m, '--key', 'pkcs11:token=x;object=y;object=z?module-path=/x'], { env }), 'USAGE_ERROR');
    expect(fs.existsSync(path.join(m, 'model.sig'))).toBe(false);
  });

  it('chooses the token by slot-id and serial too, and refuses ones that match nothing', () => {
    const shown = spawnSync('softhsm2-util', ['--show-slots'], { env: { ...process.env, ...token.env }, encoding: 'utf8' }).stdout;
    const slot = /^Slot (\d+)$/m.exec(shown)?.[1] as string;
    const serial = /Serial number:\s+(\S+)/.exec(shown)?.[1] as string;
    expect(slot).toMatch(/^\d+$/);
    const env = { ...token.env, MODELSEAL_PKCS11_PIN: token.pin };
    const m = model();
    expect(cli(['sign', m, '--key', `pkcs11:slot-id=${slot};object=model-ecdsa-p256?module-path=${SOFTHSM_MODULE}`], { env }).status).toBe(0);
    expect(cli(['sign', m, '--force', '--key', `pkcs11:serial=${serial};object=model-ecdsa-p256?module-path=${SOFTHSM_MODULE}`], { env }).status).toBe(0);
    expect(cli(['verify', m, '--key', pubs['ecdsa-p256']]).status).toBe(0);
    expectCleanFailure(cli(['sign', m, '--force', '--key', `pkcs11:slot-id=${BigInt(slot) + 1n};object=model-ecdsa-p256?module-path=${SOFTHSM_MODULE}`], { env }), 'TOKEN_NOT_FOUND');
    expectCleanFailure(cli(['sign', m, '--force', '--key', `pkcs11:token=${token.label};serial=0000;object=model-ecdsa-p256?module-path=${SOFTHSM_MODULE}`], { env }), 'TOKEN_NOT_FOUND');
  });

  it('keygen never replaces a key on the token', () => {
    const r = cli(['keygen', '--type', 'ecdsa-p256', '--pkcs11', token.uri('model-ecdsa-p256', `pin-value=${token.pin}`)], { env: token.env });
    expectCleanFailure(r, 'OUTPUT_EXISTS', token.pin);
  });
});
