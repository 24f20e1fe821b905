/** Hostile key files: each through the CLI, with the exact code, exit status and an untouched tree. */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliOnTree, expectCliRefusal, hostile, makeKey, type TestKey } from '../helpers/hostile';
import { tmpDir, writeTree } from '../helpers/tmp';

let dir: string;
let key: TestKey;
let encrypted: TestKey;
let root: string;

beforeAll(() => {
  dir = tmpDir();
  key = makeKey(dir, 'publisher');
  encrypted = makeKey(dir, 'locked', 'ecdsa-p256', 'correct horse');
  root = writeTree(tmpDir(), { 'weights.bin': 'weights' });
  expect(cliOnTree(root, ['sign', root, '--key', key.privatePath], { allowChanged: ['model.sig'] }).status).toBe(0);
});

const keyFile = (name: string, content: string | Buffer) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
};
const verifyWith = (k: string) => cliOnTree(root, ['verify', root, '--key', k]);
const signWith = (k: string, ...extra: string[]) => {
  const out = path.join(tmpDir(), 'model.sig');
  const r = cliOnTree(root, ['sign', root, '--key', k, '--signature', out, ...extra]);
  expect(fs.existsSync(out)).toBe(false);
  return r;
};
const pem = (k: { export(o: object): string | Buffer }, type: string) => k.export({ type, format: 'pem' }) as string;

hostile('K-01', 'a truncated PEM public key is refused', () => {
  const text = fs.readFileSync(key.publicPath, 'utf8');
  expectCliRefusal(verifyWith(keyFile('trunc.pub', text.slice(0, text.length - 40))), 'KEY_INVALID', 2);
});

hostile('K-02', 'a truncated PEM private key is refused', () => {
  const text = fs.readFileSync(key.privatePath, 'utf8');
  expectCliRefusal(signWith(keyFile('trunc.key', text.slice(0, 60))), 'KEY_INVALID', 2);
});

hostile('K-03', 'a private key where a public one is expected is refused (and not used)', () => {
  expectCliRefusal(verifyWith(key.privatePath), 'KEY_INVALID', 2);
});

hostile('K-04', 'a public key where a private one is expected is refused', () => {
  expectCliRefusal(signWith(key.publicPath), 'KEY_INVALID', 2);
});

hostile('K-05', 'an RSA public key is refused with a clear message', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const r = verifyWith(keyFile('rsa.pub', pem(publicKey, 'spki')));
  expectCliRefusal(r, 'KEY_UNSUPPORTED', 2);
  expect(r.stderr).toContain('RSA keys are not supported');
});

hostile('K-06', 'an RSA private key is refused with a clear message', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const r = signWith(keyFile('rsa.key', pem(privateKey, 'pkcs8')));
  expectCliRefusal(r, 'KEY_UNSUPPORTED', 2);
  expect(r.stderr).toContain('RSA keys are not supported');
});

hostile('K-07', 'a wrong passphrase is refused', () => {
  const out = path.join(tmpDir(), 'model.sig');
  const r = cliOnTree(root, ['sign', root, '--key', encrypted.privatePath, '--signature', out, '--passphrase-env', 'MS_PASS']);
  expect(r.status).toBe(2); // no passphrase in the environment at all: a usage error
  const wrong = cliOnTree(root, ['sign', root, '--key', encrypted.privatePath, '--signature', out, '--passphrase-env', 'MS_PASS'], { env: { MS_PASS: 'wrong horse' } });
  expectCliRefusal(wrong, 'PASSPHRASE_WRONG', 2);
  expect(fs.existsSync(out)).toBe(false);
});

hostile('K-08', 'an encrypted key without a passphrase is refused', () => {
  expectCliRefusal(signWith(encrypted.privatePath), 'PASSPHRASE_REQUIRED', 2);
});

hostile('K-09', 'a secp256k1 key is refused (curve not supported)', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  expectCliRefusal(verifyWith(keyFile('k1.pub', pem(publicKey, 'spki'))), 'KEY_UNSUPPORTED', 2);
});

hostile('K-10', 'an X25519 key (Ed25519 look-alike) is refused', () => {
  const { publicKey } = generateKeyPairSync('x25519');
  expectCliRefusal(verifyWith(keyFile('x25519.pub', pem(publicKey, 'spki'))), 'KEY_UNSUPPORTED', 2);
});

hostile('K-11', 'a certificate or other PEM block instead of a public key is refused', () => {
  expectCliRefusal(verifyWith(keyFile('cert.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')), 'KEY_INVALID', 2);
});

hostile('K-12', 'a key file that is a FIFO is refused without blocking', () => {
  const f = path.join(dir, 'fifo.pub');
  expect(spawnSync('mkfifo', [f]).status).toBe(0);
  expectCliRefusal(verifyWith(f), 'KEY_INVALID', 2);
});

hostile('K-13', 'a huge key file is refused by size', () => {
  expectCliRefusal(verifyWith(keyFile('huge.pub', Buffer.alloc(2 * 1024 * 1024, 0x41))), 'KEY_INVALID', 2);
});

hostile('K-14', 'a key file that does not exist is reported as such', () => {
  expectCliRefusal(verifyWith(path.join(dir, 'nope.pub')), 'PATH_NOT_FOUND', 2);
});
