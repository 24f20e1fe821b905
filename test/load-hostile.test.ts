import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { generateKeyPair, parsePrivateKey } from '../src/keys';
import { signArtifact } from '../src/sign/sign-artifact';
import { verifyArtifact } from '../src/verify/verify-artifact';
import { readVerified } from '../src/load/verified-read';
import { scanPickle } from '../src/load/pickle-scan';
import { readZipEntries, ZipError } from '../src/load/zip-entries';
import { checkSafetensorsHeader, SafetensorsError } from '../src/load/safetensors';
import { analyzeFile } from '../src/load/file-format';
import { tmpDir, writeTree } from './helpers/tmp';
import { osSystemPickle, safetensorsBytes, tensorPickle, zipBytes } from './helpers/pickle-bytes';

/** Reads like a file: any read outside it is a bug in the analyser (scanFile turns it into INTERNAL_ERROR). */
const readAtOf = (b: Buffer) => (o: number, n: number) => {
  if (!(o >= 0 && n >= 0 && o + n <= b.length)) throw new Error(`read outside the file: ${o}+${n} of ${b.length}`);
  return b.subarray(o, o + n);
};

/** Valid inputs with random bytes overwritten, so the parsers get past their first checks. */
const mutated = (seed: Buffer) =>
  fc.array(fc.tuple(fc.nat({ max: seed.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => {
    const b = Buffer.from(seed);
    for (const [i, v] of edits) b[i] = v;
    return b;
  });

describe('hostile bytes never escape as anything but a typed refusal', () => {
  const zip = zipBytes([{ name: 'a/data.pkl', data: tensorPickle() }, { name: 'a/data/0', data: Buffer.alloc(32) }]);
  const st = safetensorsBytes({ a: [1, 2, 3], b: [4, 5] }, { k: 'v' });

  it('scanPickle: always a verdict, never a throw; a mutated payload is never SAFE', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), mutated(tensorPickle())), (b) => {
        expect(['SAFE', 'DANGEROUS', 'UNSAFE_UNKNOWN', 'UNSCANNABLE']).toContain(scanPickle(b, { pickles: 'all', lenientTrailing: true }).verdict);
      }),
      { numRuns: 1500 },
    );
    // Mutations that keep the GLOBAL os/system bytes intact never turn into SAFE.
    const evil = osSystemPickle();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 13, max: evil.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), (edits) => {
        const b = Buffer.from(evil);
        for (const [i, v] of edits) b[i] = v;
        expect(scanPickle(b).verdict).not.toBe('SAFE');
      }),
      { numRuns: 1000 },
    );
  });

  it('readZipEntries: ZipError or a result', () => {
    fc.assert(
      fc.property(mutated(zip), (b) => {
        try {
          readZipEntries({ size: b.length, read: readAtOf(b) });
        } catch (err) {
          expect(err).toBeInstanceOf(ZipError);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('checkSafetensorsHeader: SafetensorsError or a result', () => {
    fc.assert(
      fc.property(mutated(st), (b) => {
        try {
          checkSafetensorsHeader(b, b.length);
        } catch (err) {
          expect(err).toBeInstanceOf(SafetensorsError);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('analyzeFile never throws on a damaged file of any format it knows, and every answer is a verdict', () => {
    const npyHead = Buffer.from("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }".padEnd(118) + '\n');
    const npy = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, npyHead.length, 0]), npyHead, tensorPickle()]);
    const seeds = [zip, st, tensorPickle(), zlib.gzipSync(tensorPickle()), zlib.deflateSync(tensorPickle()), npy, zipBytes([{ name: 'a.npy', data: npy, deflate: true }]), zipBytes([{ name: 'config.json', data: Buffer.from('{"class_name":"Dense"}') }, { name: 'metadata.json', data: Buffer.from('{}') }])];
    fc.assert(
      fc.property(fc.oneof(...seeds.map((x) => mutated(x)), ...seeds.map((x) => fc.nat({ max: x.length }).map((n) => Buffer.from(x.subarray(0, n))))), fc.constantFrom('model.bin', 'm.safetensors', 'x.pt', 'a.npy', 'w.npz', 'm.keras', 'j.pkl.gz', 'x.joblib'), (b, name) => {
        const a = analyzeFile(name, readAtOf(b), b.length);
        expect(['SAFE', 'DANGEROUS', 'UNSAFE_UNKNOWN', 'UNSCANNABLE']).toContain(a.verdict);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('readVerified reads each file once', () => {
  it('opens the file once and reads exactly its bytes (plus one EOF probe)', async () => {
    const pair = generateKeyPair('ed25519');
    const data = Buffer.alloc(3 * 65536 + 123, 9);
    const dir = writeTree(tmpDir(), { 'w.dat': data });
    const sig = path.join(tmpDir(), 'm.sig');
    await signArtifact(dir, { key: parsePrivateKey(pair.privatePem), signature: sig, method: 'shards', shardSize: 65536 });
    const verified = await verifyArtifact(dir, { keys: pair.publicKey, signature: sig });

    const realOpen = fs.promises.open;
    let opens = 0;
    let bytesRead = 0;
    const spy = jest.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof realOpen>) => {
      opens++;
      const fh = await realOpen(...args);
      const realRead = fh.read.bind(fh) as (...a: unknown[]) => Promise<{ bytesRead: number }>;
      (fh as unknown as { read: unknown }).read = async (...a: unknown[]) => {
        const r = await realRead(...a);
        bytesRead += r.bytesRead;
        return r;
      };
      return fh;
    });
    try {
      const out = await readVerified(dir, 'w.dat', verified, { allowUnscannable: true });
      expect(out.equals(data)).toBe(true);
    } finally {
      spy.mockRestore();
    }
    expect(opens).toBe(1);
    expect(bytesRead).toBe(data.length);
  });
});
