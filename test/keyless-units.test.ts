import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import nock from 'nock';
import { ModelsealError } from '../src';
import { loadTrustedRoot, SHIPPED_TRUSTED_ROOT } from '../src/verify/trust-root';
import { resolveIdentityToken } from '../src/sign/identity-token';
import { updateTrustedRoot } from '../src/verify/trust-update';
import { verifyEcdsaPrehashed } from '../src/verify/ecdsa-prehash';

/** DER SEQUENCE { INTEGER r, INTEGER s } of a raw r||s signature (minimal integers). */
function derOf(raw: Buffer): Buffer {
  const int = (b: Buffer) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.subarray(i);
    const body = v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v;
    return Buffer.concat([Buffer.from([2, body.length]), body]);
  };
  const half = raw.length / 2;
  const seq = Buffer.concat([int(raw.subarray(0, half)), int(raw.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30, seq.length]), seq]);
}
import { pythonBytesRepr } from '../src/verify/legacy-pae';
import { cli } from './helpers/cli';
import { offlineOnly } from './helpers/sigstore-mock';
import { tmpDir } from './helpers/tmp';
import { DEBIAN_PYTHON, describeWithPeers, program } from './helpers/peers';

offlineOnly();

describe('prehashed ECDSA verification (DIGEST mode)', () => {
  it.each([
    ['prime256v1', 'sha256'],
    ['secp384r1', 'sha384'],
    ['secp521r1', 'sha512'],
    ['prime256v1', 'sha512'], // digest longer than the order: leftmost bits
  ])('%s with %s agrees with node:crypto', (curve, hash) => {
    for (let i = 0; i < 4; i++) {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const msg = randomBytes(100);
      const sig = sign(hash, msg, privateKey);
      expect(verifyEcdsaPrehashed(publicKey, createHash(hash).update(msg).digest(), sig)).toBe(true);
      expect(verifyEcdsaPrehashed(publicKey, createHash(hash).update(randomBytes(10)).digest(), sig)).toBe(false);
      const flipped = Buffer.from(sig);
      flipped[flipped.length - 1] ^= 1;
      expect(verifyEcdsaPrehashed(publicKey, createHash(hash).update(msg).digest(), flipped)).toBe(false);
    }
  });

  it('refuses malformed DER, r or s out of range, and non-EC keys', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const d = createHash('sha256').update('x').digest();
    const sig = sign('sha256', Buffer.from('x'), privateKey);
    expect(verifyEcdsaPrehashed(publicKey, d, sig.subarray(0, sig.length - 1))).toBe(false);
    expect(verifyEcdsaPrehashed(publicKey, d, Buffer.concat([sig, Buffer.from([0])]))).toBe(false);
    expect(verifyEcdsaPrehashed(publicKey, d, Buffer.from('3006020100020100', 'hex'))).toBe(false); // r = s = 0
    const ed = generateKeyPairSync('ed25519');
    expect(verifyEcdsaPrehashed(ed.publicKey, d, sig)).toBe(false);
  });

  it('agrees with node:crypto on high-S signatures: both accept (r, n-s)', () => {
    const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const msg = randomBytes(64);
    const der = nodeSign('sha256', msg, privateKey);
    const raw = nodeSign('sha256', msg, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const r = raw.subarray(0, 32);
    const flippedS = (n - BigInt(`0x${raw.subarray(32).toString('hex')}`)).toString(16).padStart(64, '0');
    const high = Buffer.concat([r, Buffer.from(flippedS, 'hex')]);
    const d = createHash('sha256').update(msg).digest();
    for (const sig of [raw, high]) {
      const asDer = nodeVerify('sha256', msg, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig);
      expect(asDer).toBe(true);
      const derSig = Buffer.from(derOf(sig));
      expect(verifyEcdsaPrehashed(publicKey, d, derSig)).toBe(nodeVerify('sha256', msg, publicKey, derSig));
    }
    expect(verifyEcdsaPrehashed(publicKey, d, der)).toBe(true);
  });
});

describeWithPeers(program(DEBIAN_PYTHON, ['-c', 'pass'], 'apt-get install python3'), "model_signing v0.2.0 PAE: Python's bytes repr", () => {
  const cases = [Buffer.from('{\n  "_type": "x"\n}'), Buffer.from("it's"), Buffer.from('both \' and "'), Buffer.from([0, 7, 9, 10, 13, 27, 92, 127, 128, 255]), randomBytes(64)];
  it('matches CPython for text, quotes, escapes and binary', () => {
    for (const b of cases) {
      const r = spawnSync(DEBIAN_PYTHON, ['-c', 'import sys; sys.stdout.write(repr(sys.stdin.buffer.read()))'], { input: b, encoding: 'utf8' });
      expect(pythonBytesRepr(b)).toBe(r.stdout);
    }
  });
});

describe('trusted roots', () => {
  it('loads the shipped public-good root and says so', () => {
    const r = loadTrustedRoot(SHIPPED_TRUSTED_ROOT);
    expect(r.root.tlogs.map((t) => t.baseUrl)).toContain('https://rekor.sigstore.dev');
    const d = path.join(tmpDir(), 'none');
    const prev = process.env.MODELSEAL_TRUST_DIR;
    process.env.MODELSEAL_TRUST_DIR = d;
    try {
      expect(loadTrustedRoot().source).toContain('shipped public-good root');
    } finally {
      if (prev === undefined) delete process.env.MODELSEAL_TRUST_DIR;
      else process.env.MODELSEAL_TRUST_DIR = prev;
    }
  });

  it('refuses a root whose log key has no validity start (instead of treating it as unbounded)', () => {
    const json = JSON.parse(fs.readFileSync(SHIPPED_TRUSTED_ROOT, 'utf8'));
    delete json.tlogs[0].publicKey.validFor.start;
    const f = path.join(tmpDir(), 'no-start.json');
    fs.writeFileSync(f, JSON.stringify(json));
    expect(() => loadTrustedRoot(f)).toThrow(expect.objectContaining({ code: 'TRUST_ROOT_INVALID', message: expect.stringContaining('has no validFor.start') }));
  });

  it('refuses something that is not a trusted root', () => {
    const f = path.join(tmpDir(), 'not-root.json');
    fs.writeFileSync(f, '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}');
    expect(() => loadTrustedRoot(f)).toThrow(expect.objectContaining({ code: 'TRUST_ROOT_INVALID' }));
  });

  it('trust update reports an unreachable TUF repository as SERVICE_ERROR and writes nothing', async () => {
    const dir = tmpDir();
    const prev = process.env.MODELSEAL_TRUST_DIR;
    process.env.MODELSEAL_TRUST_DIR = dir;
    nock('https://tuf.unreachable.test').get(/.*/).times(20).reply(503, 'down');
    try {
      const err = await updateTrustedRoot({ mirrorURL: 'https://tuf.unreachable.test', timeoutSeconds: 5 }).catch((e) => e);
      expect(err).toBeInstanceOf(ModelsealError);
      expect(err.code).toBe('SERVICE_ERROR');
      expect(err.message).toContain('https://tuf.unreachable.test');
      expect(fs.existsSync(path.join(dir, 'trusted_root.json'))).toBe(false);
    } finally {
      if (prev === undefined) delete process.env.MODELSEAL_TRUST_DIR;
      else process.env.MODELSEAL_TRUST_DIR = prev;
      nock.cleanAll();
    }
  });
});

describe('OIDC identity token resolution', () => {
  it('prefers the explicit token, then SIGSTORE_ID_TOKEN', async () => {
    expect(await resolveIdentityToken('flag-token', { SIGSTORE_ID_TOKEN: 'env' })).toBe('flag-token');
    expect(await resolveIdentityToken(undefined, { SIGSTORE_ID_TOKEN: 'env-token\n' })).toBe('env-token');
  });

  it('asks GitHub Actions for a sigstore-audience token with the request bearer token', async () => {
    const scope = nock('https://gha.example.test', { reqheaders: { authorization: 'Bearer request-token' } })
      .get('/token')
      .query({ 'api-version': '2.0', audience: 'sigstore' })
      .reply(200, { value: 'gha-oidc-token' });
    const saved = { ...process.env };
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = 'https://gha.example.test/token?api-version=2.0';
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'request-token';
    delete process.env.SIGSTORE_ID_TOKEN;
    try {
      expect(await resolveIdentityToken(undefined, process.env)).toBe('gha-oidc-token');
      expect(scope.isDone()).toBe(true);
    } finally {
      process.env = saved;
    }
  });

  it('without any token, keyless signing is a usage error that says where tokens come from', async () => {
    const err = await resolveIdentityToken(undefined, {}).catch((e) => e);
    expect(err.code).toBe('USAGE_ERROR');
    expect(err.message).toContain('SIGSTORE_ID_TOKEN');
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'w.bin'), 'w');
    const env = { SIGSTORE_ID_TOKEN: '', ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' };
    const r = cli(['sign', dir, '--sigstore'], { env });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--identity-token');
    expect(fs.readdirSync(dir)).toEqual(['w.bin']);
  });
});
