/**
 * The streaming key-bundle path of sign (issue 16: no statement object, no whole-bundle
 * string) writes exactly the bytes of the object path (buildOmsStatement +
 * serializeStatement + serializeKeyBundle).
 */
import { verify as cryptoVerify } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeManifest } from '../src/digest/manifest';
import { keyBundleChunks, serializeKeyBundle } from '../src/envelope/bundle';
import { preAuthEncoding } from '../src/envelope/dsse';
import { makeKey } from './helpers/hostile';
import { signArtifact, signStatementWithKey } from '../src/sign/sign-artifact';
import { buildOmsStatement, serializeOmsStatementInto } from '../src/statement/oms';
import { serializeStatement } from '../src/statement/statement';
import { verifyArtifact } from '../src/verify/verify-artifact';
import { tmpDir, writeTree } from './helpers/tmp';

function tree(): string {
  return writeTree(tmpDir(), {
    'a"q-{}[].bin': 'x'.repeat(5000),
    'ünï/名前.txt': 'y'.repeat(70),
    'line\u00e9sep': 'z',
    'd/e/f.bin': 'q'.repeat(3 * 1024 * 1024 + 7),
    'empty.bin': '',
  });
}

describe('streaming OMS serialization and key bundle', () => {
  it.each([
    ['files', {}],
    ['shards', { method: 'shards' as const, shardSize: 1024 * 1024 }],
    ['blake2b', { hashType: 'blake2b' as const }],
  ])('serializes the statement byte for byte as the object path (%s)', async (_l, opts) => {
    const root = tree();
    const m = await computeManifest(root, { ...opts, threads: 0 });
    const header = Buffer.from('HEADER ');
    const { buffer, offset, length } = serializeOmsStatementInto(m, 'name "with" quotes', () => header);
    const expected = serializeStatement(buildOmsStatement(m, 'name "with" quotes'));
    expect(buffer.subarray(0, offset).equals(header)).toBe(true);
    expect(length).toBe(expected.length);
    expect(buffer.subarray(offset).equals(expected)).toBe(true);
  });

  it('writes the same bundle bytes as signStatementWithKey (Ed25519 is deterministic), and it verifies', async () => {
    const root = tree();
    const key = makeKey(tmpDir(), 'k');
    const sig = path.join(tmpDir(), 'model.sig');
    const r = await signArtifact(root, { key: key.info, signature: sig, threads: 0 });
    const expected = signStatementWithKey(buildOmsStatement(r.manifest, path.basename(root)), key.info);
    expect(fs.readFileSync(sig, 'utf8')).toBe(expected);
    await expect(verifyArtifact(root, { keys: key.publicPath, signature: sig })).resolves.toMatchObject({ verified: true });
    // ECDSA signatures are randomized: the bundle differs, the payload and the verdict do not.
    const ec = makeKey(tmpDir(), 'ec', 'ecdsa-p256');
    const sig2 = path.join(tmpDir(), 'ec.sig');
    await signArtifact(root, { key: ec.info, signature: sig2, threads: 0 });
    const payload = JSON.parse(fs.readFileSync(sig2, 'utf8')).dsseEnvelope.payload;
    expect(Buffer.from(payload, 'base64').equals(serializeStatement(buildOmsStatement(r.manifest, path.basename(root))))).toBe(true);
    await expect(verifyArtifact(root, { keys: ec.publicPath, signature: sig2 })).resolves.toMatchObject({ verified: true });
  });

  it('the chunked bundle joins to the one-piece bundle for a payload over several chunks', () => {
    const payload = Buffer.alloc(7 * 1024 * 1024 + 1, 0x5a);
    const env = { payloadType: 'application/vnd.in-toto+json', payload, signature: Buffer.from([1, 2, 3]) };
    const joined = [...keyBundleChunks(env, 'abc')].join('');
    expect(joined).toBe(serializeKeyBundle(env, 'abc'));
  });
});

describe('streaming ECDSA signing (the statement is never held)', () => {
  it('signs a statement of several chunks: the payload is the object path\'s and the signature verifies over its PAE', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 12000; i++) files[`d${i % 7}/f${i}-ünï.bin`] = String(i);
    const root = writeTree(tmpDir(), files);
    const ec = makeKey(tmpDir(), 'ec', 'ecdsa-p256');
    const sig = path.join(tmpDir(), 'model.sig');
    const r = await signArtifact(root, { key: ec.info, signature: sig, threads: 0 });
    const bundle = JSON.parse(fs.readFileSync(sig, 'utf8'));
    const payload = Buffer.from(bundle.dsseEnvelope.payload, 'base64');
    const expected = serializeStatement(buildOmsStatement(r.manifest, path.basename(root)));
    expect(expected.length).toBeGreaterThan(3 * 512 * 1024); // several 1 MiB chunks
    expect(payload.equals(expected)).toBe(true);
    const pae = preAuthEncoding(bundle.dsseEnvelope.payloadType, payload);
    expect(cryptoVerify('sha256', pae, fs.readFileSync(ec.publicPath, 'utf8'), Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64'))).toBe(true);
    expect(fs.readFileSync(sig, 'utf8')).toBe(serializeKeyBundle({ payloadType: bundle.dsseEnvelope.payloadType, payload, signature: Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64') }, ec.info.publicKey.hint));
    await expect(verifyArtifact(root, { keys: ec.publicPath, signature: sig })).resolves.toMatchObject({ verified: true });
  });

  it('encodes a payload streamed in chunks of any size as the one-piece base64', () => {
    const payload = Buffer.from(Array.from({ length: 100_003 }, (_, i) => (i * 31) & 0xff));
    for (const size of [1, 2, 3, 4, 5, 7, 1000, 65536]) {
      const chunks = function* () {
        const reused = Buffer.alloc(size);
        for (let o = 0; o < payload.length; o += size) {
          const n = payload.copy(reused, 0, o, o + size);
          yield reused.subarray(0, n);
        }
      };
      const env = { payloadType: 't', payload: chunks(), signature: () => Buffer.from([9]) };
      expect([...keyBundleChunks(env, 'h')].join('')).toBe(serializeKeyBundle({ payloadType: 't', payload, signature: Buffer.from([9]) }, 'h'));
    }
  });
});

describe('strict base64 decoding of large payloads', () => {
  /** The reference: decode, re-encode the whole value, compare (what decodeBase64 did before issue 16). */
  function reference(value: string): Buffer | null {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) && !/^[A-Za-z0-9_-]*={0,2}$/.test(value)) return null;
    const body = value.replace(/=+$/, '');
    if (body.length % 4 === 1) return null;
    if (value.length !== body.length && value.length % 4 !== 0) return null;
    const enc = /[-_]/.test(value) ? 'base64url' : 'base64';
    const bytes = Buffer.from(body, enc);
    return bytes.toString(enc).replace(/=+$/, '') === body ? bytes : null;
  }

  it('accepts and refuses exactly what re-encoding the whole value does', () => {
    const { decodeBase64 } = require('../src/envelope/base64');
    const fc = require('fast-check');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=';
    const arbitrary = fc.oneof(
      fc.array(fc.constantFrom(...alphabet.split('')), { maxLength: 14 }).map((a: string[]) => a.join('')),
      fc.uint8Array({ maxLength: 12 }).chain((b: Uint8Array) =>
        fc.constantFrom(Buffer.from(b).toString('base64'), Buffer.from(b).toString('base64url'), Buffer.from(b).toString('base64').replace(/=+$/, '')),
      ),
    );
    fc.assert(
      fc.property(arbitrary, (s: string) => {
        const want = reference(s);
        const got = decodeBase64(s);
        return want === null ? got === null : got !== null && got.equals(want);
      }),
      { numRuns: 20000 },
    );
    expect(decodeBase64('AR==')).toBeNull(); // non-zero unused bits
    expect(decodeBase64('AQ==')).toEqual(Buffer.from([1]));
  });
});
