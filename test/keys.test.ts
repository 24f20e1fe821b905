import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateKeyPair, loadPrivateKey, loadPublicKey, writeKeyPair } from '../src';
import { keyHint, parsePrivateKey, parsePublicKey, KEY_TYPES } from '../src/keys';
import { signBytes, verifyBytes } from '../src/keys';
import { cli } from './helpers/cli';
import { tmpDir } from './helpers/tmp';
import { generateKeyPairSync } from 'node:crypto';
import { OPENSSL } from './helpers/pki';
import { describeWithPeers } from './helpers/peers';

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

describe('keys', () => {
  it.each(KEY_TYPES)('generates %s keys that sign and verify, hint = sha256 of the public PEM', (type) => {
    const pair = generateKeyPair(type);
    const priv = parsePrivateKey(pair.privatePem);
    const pub = parsePublicKey(pair.publicKey.pem);
    expect(priv.type).toBe(type);
    expect(pub.hint).toBe(createHash('sha256').update(pair.publicKey.pem).digest('hex'));
    expect(pair.publicKey.pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    const sig = signBytes(priv.type, priv.key, Buffer.from('message'));
    expect(verifyBytes(pub.type, pub.key, Buffer.from('message'), sig)).toBe(true);
    expect(verifyBytes(pub.type, pub.key, Buffer.from('messagf'), sig)).toBe(false);
  });

  it('keygen writes the private key 0600 and refuses to overwrite', () => {
    const dir = tmpDir();
    const r = cli(['keygen', '--type', 'ecdsa-p384', '--out', path.join(dir, 'k'), '--json']);
    expect(r.status).toBe(0);
    expect(fs.statSync(path.join(dir, 'k.key')).mode & 0o777).toBe(0o600);
    expect(r.json.keyHint).toBe(keyHint(fs.readFileSync(path.join(dir, 'k.pub'), 'utf8')));
    const again = cli(['keygen', '--out', path.join(dir, 'k')]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/OUTPUT_EXISTS/);
  });

  it('encrypts with a passphrase from the environment and refuses a wrong one', () => {
    const dir = tmpDir();
    const prefix = path.join(dir, 'enc');
    const made = cli(['keygen', '--out', prefix, '--passphrase-env', 'MS_PASS'], { env: { MS_PASS: 'correct horse' } });
    expect(made.status).toBe(0);
    expect(fs.readFileSync(prefix + '.key', 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
    expect(() => loadPrivateKey(prefix + '.key')).toThrow(expect.objectContaining({ code: 'PASSPHRASE_REQUIRED' }));
    expect(() => loadPrivateKey(prefix + '.key', 'wrong')).toThrow(expect.objectContaining({ code: 'PASSPHRASE_WRONG' }));
    expect(loadPrivateKey(prefix + '.key', 'correct horse').type).toBe('ecdsa-p256');
  });

  it('refuses RSA keys, private keys given as public, and truncated PEM', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'rsa.pem'), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => loadPrivateKey(path.join(dir, 'rsa.pem'))).toThrow(expect.objectContaining({ code: 'KEY_UNSUPPORTED', message: expect.stringMatching(/RSA keys are not supported/) }));
    const pair = writeKeyPair(path.join(dir, 'k'), 'ed25519');
    expect(() => loadPublicKey(pair.privateKeyPath)).toThrow(expect.objectContaining({ code: 'KEY_INVALID', message: expect.stringMatching(/private key/) }));
    const pem = fs.readFileSync(pair.publicKeyPath, 'utf8');
    fs.writeFileSync(path.join(dir, 'trunc.pub'), pem.slice(0, 60));
    expect(() => loadPublicKey(path.join(dir, 'trunc.pub'))).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    expect(() => loadPublicKey(path.join(dir, 'missing.pub'))).toThrow(expect.objectContaining({ code: 'PATH_NOT_FOUND' }));
  });
});

describeWithPeers(OPENSSL, 'keys made by openssl', () => {
  it('loads keys made by openssl (PKCS#8, SEC1, Ed25519)', () => {
    const dir = tmpDir();
    openssl(['genpkey', '-algorithm', 'ed25519', '-out', path.join(dir, 'ed.pem')]);
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', path.join(dir, 'p256.pem')]);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', path.join(dir, 'p384.pem')]);
    for (const [f, type] of [['ed.pem', 'ed25519'], ['p256.pem', 'ecdsa-p256'], ['p384.pem', 'ecdsa-p384']] as const) {
      const priv = loadPrivateKey(path.join(dir, f));
      expect(priv.type).toBe(type);
      openssl(['pkey', '-in', path.join(dir, f), '-pubout', '-out', path.join(dir, f + '.pub')]);
      expect(loadPublicKey(path.join(dir, f + '.pub')).hint).toBe(priv.publicKey.hint);
    }
  });
});

describe('Ed25519 signing (native) makes RFC 8032 signatures', () => {
  const { createPrivateKey, createPublicKey } = require('node:crypto');
  const { ED25519_PKCS8_PREFIX } = require('../src/keys/ed25519');
  const ed = require('@noble/ed25519');

  it('matches RFC 8032 test 2 and the reference implementation (noble) byte for byte', () => {
    // RFC 8032 section 7.1, TEST 2: a one-byte message.
    const seed = Buffer.from('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', 'hex');
    const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    const sig = signBytes('ed25519', key, Buffer.from('72', 'hex'));
    expect(sig.toString('hex')).toBe('92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00');
    expect(createPublicKey(key).export({ format: 'jwk' }).x).toBe(Buffer.from('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', 'hex').toString('base64url'));
    for (const len of [0, 1, 63, 64, 1000, 100_003]) {
      const message = Buffer.alloc(len, len % 251);
      const mine = signBytes('ed25519', key, message);
      expect(Buffer.from(ed.sign(message, seed)).equals(mine)).toBe(true);
      expect(verifyBytes('ed25519', createPublicKey(key), message, mine)).toBe(true);
    }
  });
});
