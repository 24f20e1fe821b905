/**
 * Hostile signature files: the Sigstore bundle, the DSSE envelope and the statement
 * JSON. Where a signature is involved it is a real one, by a real key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { maxBundleBytes } from '../../src/envelope/read-json';
import { DEFAULT_MAX_RESOURCES, signatureByteLimit } from '../../src/envelope/signature-limit';
import { verifyArtifact } from '../../src/verify/verify-artifact';
import { bundleObject, cliOnTree, expectCliRefusal, expectCode, hostile, makeKey, statementFor, writeBundle, type TestKey } from '../helpers/hostile';
import { snapshotTree, tmpDir, writeTree } from '../helpers/tmp';
import { arr, bstr, int, map, tag } from '../helpers/cbor-bytes';

let key: TestKey;
let other: TestKey;
let ecdsa: TestKey;
let root: string;
let honest: any;

beforeAll(async () => {
  const dir = tmpDir();
  key = makeKey(dir, 'publisher');
  other = makeKey(dir, 'attacker');
  ecdsa = makeKey(dir, 'publisher-p256', 'ecdsa-p256');
  root = writeTree(tmpDir(), { 'weights.bin': 'weights', 'config.json': '{}' });
  honest = await statementFor(root);
});

const sigFile = (content: string | Buffer) => {
  const f = path.join(tmpDir(), 'model.sig');
  fs.writeFileSync(f, content);
  return f;
};
const verifyLib = (signature: string, keys: string | string[] = key.publicPath) => () => verifyArtifact(root, { keys, signature });
const verifyCli = (signature: string, keyPath = key.publicPath) => cliOnTree(root, ['verify', root, '--key', keyPath, '--signature', signature]);
const honestBundle = () => bundleObject(honest, key.info);

describe('JSON of the signature file', () => {
  hostile('E-01', 'a truncated signature file is refused', () => {
    const text = JSON.stringify(honestBundle());
    expectCliRefusal(verifyCli(sigFile(text.slice(0, text.length - 40))), 'BUNDLE_INVALID', 1);
  });

  hostile('E-02', 'a 100 MB signature file is refused by its size, before it is read or parsed (limit set for 100,000 resources)', () => {
    const f = path.join(tmpDir(), 'model.sig');
    const fd = fs.openSync(f, 'w');
    const chunk = Buffer.alloc(1 << 20, 0x20);
    fs.writeSync(fd, '{"mediaType":"');
    for (let i = 0; i < 100; i++) fs.writeSync(fd, chunk);
    fs.writeSync(fd, '"}');
    fs.closeSync(fd);
    expect(maxBundleBytes()).toBe(signatureByteLimit(DEFAULT_MAX_RESOURCES)); // the limit grows with the resource count (issue 16)
    expect(fs.statSync(f).size).toBeGreaterThan(signatureByteLimit(100_000));
    const r = cliOnTree(root, ['verify', root, '--key', key.publicPath, '--signature', f], { env: { MODELSEAL_MAX_RESOURCES: '100000' } });
    expectCliRefusal(r, 'BUNDLE_INVALID', 1);
    expect(r.stderr).toContain('-byte limit');
    fs.rmSync(f);
  });

  hostile('E-03', 'deeply nested JSON in the signature file is refused without a stack overflow', () => {
    expectCliRefusal(verifyCli(sigFile('['.repeat(200_000) + ']'.repeat(200_000))), 'BUNDLE_INVALID', 1);
  });

  hostile('E-04', 'a duplicate key in the bundle JSON is refused (parser differential)', () => {
    const text = JSON.stringify(honestBundle());
    const forged = text.replace('"dsseEnvelope":', `"dsseEnvelope":${JSON.stringify(bundleObject(honest, other.info).dsseEnvelope)},"dsseEnvelope":`);
    return expectCode(verifyLib(sigFile(forged)), 'BUNDLE_INVALID', 1);
  });

  hostile('E-05', 'a signature file that is not valid UTF-8 is refused', () => {
    const text = Buffer.from(JSON.stringify(honestBundle()));
    return expectCode(verifyLib(sigFile(Buffer.concat([text.subarray(0, 20), Buffer.from([0xc3, 0x28]), text.subarray(20)]))), 'BUNDLE_INVALID', 1);
  });

  hostile('E-06', 'a signature file that is a JSON array is refused', () => expectCode(verifyLib(sigFile('[]')), 'BUNDLE_INVALID', 1));

  hostile('E-07', 'a signature file that is a FIFO is refused without blocking', () => {
    const f = path.join(tmpDir(), 'model.sig');
    expect(spawnSync('mkfifo', [f]).status).toBe(0);
    expectCliRefusal(verifyCli(f), 'SPECIAL_FILE', 2);
  });

  hostile('E-08', 'a missing signature file is reported as such', () => expectCliRefusal(verifyCli(path.join(tmpDir(), 'none.sig')), 'SIGNATURE_NOT_FOUND', 2));
});

describe('the signed statement', () => {
  hostile('E-09', 'deeply nested JSON in the signed payload is refused', () => {
    const nested = JSON.stringify(honest).replace('"predicate":{', `"predicate":{"x":${'['.repeat(5000)}${']'.repeat(5000)},`);
    return expectCode(verifyLib(writeBundle(path.join(tmpDir(), 'm.sig'), nested, key.info)), 'STATEMENT_INVALID', 1);
  });

  hostile('E-10', 'a duplicate key in the signed payload is refused (parser differential)', () => {
    const forged = JSON.stringify(honest).replace('"predicateType":', '"predicateType":"https://slsa.dev/provenance/v1","predicateType":');
    return expectCode(verifyLib(writeBundle(path.join(tmpDir(), 'm.sig'), forged, key.info)), 'STATEMENT_INVALID', 1);
  });

  hostile('E-11', 'a wrong payloadType is refused (after the signature is checked)', () =>
    expectCode(verifyLib(writeBundle(path.join(tmpDir(), 'm.sig'), honest, key.info, { payloadType: 'application/json' })), 'STATEMENT_INVALID', 1));

  hostile('E-12', 'a wrong statement _type is refused', () =>
    expectCode(verifyLib(writeBundle(path.join(tmpDir(), 'm.sig'), { ...honest, _type: 'https://in-toto.io/Statement/v0.1' }, key.info)), 'STATEMENT_INVALID', 1));

  hostile('E-13', 'another predicateType signed by the same key (e.g. provenance) is not a model signature', () =>
    expectCode(verifyLib(writeBundle(path.join(tmpDir(), 'm.sig'), { ...honest, predicateType: 'https://slsa.dev/provenance/v1' }, key.info)), 'STATEMENT_INVALID', 1));

  hostile('E-14', 'a signed payload that is not JSON is refused', () =>
    expectCode(verifyLib(writeBundle(path.join(tmpDir(), 'm.sig'), Buffer.from('\x80\x04\x95 pickle'), key.info)), 'STATEMENT_INVALID', 1));
});

describe('signatures and keys', () => {
  hostile('E-15', 'a valid signature over a different payload is refused', async () => {
    const otherModel = writeTree(tmpDir(), { 'weights.bin': 'other', 'config.json': '{}' });
    const b = honestBundle();
    b.dsseEnvelope.signatures = bundleObject(await statementFor(otherModel), key.info).dsseEnvelope.signatures;
    expectCliRefusal(verifyCli(sigFile(JSON.stringify(b))), 'SIGNATURE_MISMATCH', 1);
  });

  hostile('E-16', 'a signature by another key whose hint names the trusted key is refused', () => {
    const forged = bundleObject(honest, other.info, { hint: key.info.publicKey.hint });
    expectCliRefusal(verifyCli(sigFile(JSON.stringify(forged))), 'SIGNATURE_MISMATCH', 1);
  });

  hostile('E-17', 'a signature by the trusted key whose hint names another key is refused as inconsistent', () => {
    const forged = bundleObject(honest, key.info, { hint: other.info.publicKey.hint });
    expectCliRefusal(verifyCli(sigFile(JSON.stringify(forged))), 'BUNDLE_INVALID', 1);
  });

  hostile('E-18', 'an Ed25519 signature presented with an ECDSA key is refused', () => {
    const b = bundleObject(honest, key.info, { hint: ecdsa.info.publicKey.hint });
    expectCliRefusal(verifyCli(sigFile(JSON.stringify(b)), ecdsa.publicPath), 'SIGNATURE_MISMATCH', 1);
  });

  hostile('E-19', 'an ECDSA signature presented with an Ed25519 key is refused', () => {
    const b = bundleObject(honest, ecdsa.info, { hint: key.info.publicKey.hint });
    expectCliRefusal(verifyCli(sigFile(JSON.stringify(b))), 'SIGNATURE_MISMATCH', 1);
  });

  // A subject name whose base64 needs "+" and "/" (the subject name is informational).
  const withSpecials = () => ({ ...honest, subject: [{ ...honest.subject[0], name: 'model ~~~ ??? ~~~~ ???? ~~~~~ ?????' }] });

  hostile('E-20', 'standard and URL-safe base64 are both accepted (DSSE), with the same result', async () => {
    const std = bundleObject(withSpecials(), key.info, { base64: 'base64' });
    const url = bundleObject(withSpecials(), key.info, { base64: 'base64url' });
    expect(std.dsseEnvelope.payload).toMatch(/\+/);
    expect(std.dsseEnvelope.payload).toMatch(/\//);
    expect(url.dsseEnvelope.payload).toMatch(/-/);
    expect(url.dsseEnvelope.payload).toMatch(/_/);
    const a = await verifyArtifact(root, { keys: key.publicPath, signature: sigFile(JSON.stringify(std)) });
    const b = await verifyArtifact(root, { keys: key.publicPath, signature: sigFile(JSON.stringify(url)) });
    expect(b.rootDigest).toBe(a.rootDigest);
    expect(b.subjectName).toBe(a.subjectName);
    expect(verifyCli(sigFile(JSON.stringify(url))).status).toBe(0);
  });

  hostile('E-21', 'base64 mixing both alphabets is refused', () => {
    const b = bundleObject(withSpecials(), key.info);
    b.dsseEnvelope.payload = b.dsseEnvelope.payload.replace('+', '-'); // one URL-safe char among standard ones
    expect(b.dsseEnvelope.payload).toMatch(/\//);
    return expectCode(verifyLib(sigFile(JSON.stringify(b))), 'BUNDLE_INVALID', 1);
  });

  hostile('E-22', 'non-canonical base64 (non-zero unused bits) is refused: one signature, one encoding', () => {
    const b = bundleObject(honest, key.info);
    const sig: string = b.dsseEnvelope.signatures[0].sig; // 64 bytes: "...x==" where x carries 4 unused bits
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = sig[sig.length - 3];
    b.dsseEnvelope.signatures[0].sig = sig.slice(0, -3) + alphabet[alphabet.indexOf(last) ^ 1] + '==';
    expect(Buffer.from(b.dsseEnvelope.signatures[0].sig, 'base64')).toEqual(Buffer.from(sig, 'base64'));
    return expectCode(verifyLib(sigFile(JSON.stringify(b))), 'BUNDLE_INVALID', 1);
  });

  hostile('E-23', 'an empty signature list is refused', () => {
    const b = honestBundle();
    b.dsseEnvelope.signatures = [];
    expectCliRefusal(verifyCli(sigFile(JSON.stringify(b))), 'BUNDLE_INVALID', 1);
  });

  hostile('E-24', 'several signatures, one of them valid, are refused: a Sigstore bundle carries exactly one', () => {
    const b = honestBundle();
    b.dsseEnvelope.signatures = [...bundleObject(honest, other.info).dsseEnvelope.signatures, ...b.dsseEnvelope.signatures];
    expectCliRefusal(verifyCli(sigFile(JSON.stringify(b))), 'BUNDLE_INVALID', 1);
  });

  hostile('E-25', 'an empty signature value is refused', () => {
    const b = honestBundle();
    b.dsseEnvelope.signatures[0].sig = '';
    return expectCode(verifyLib(sigFile(JSON.stringify(b))), 'BUNDLE_INVALID', 1);
  });
});

describe('bundle structure', () => {
  hostile('E-26', 'an unknown bundle media type is refused', () => {
    const b = honestBundle();
    b.mediaType = 'application/vnd.dev.sigstore.bundle.v0.9+json';
    expectCliRefusal(verifyCli(sigFile(JSON.stringify(b))), 'BUNDLE_INVALID', 1);
  });

  hostile('E-27', 'a message signature instead of a DSSE envelope is refused', () => {
    const b = honestBundle();
    b.messageSignature = { messageDigest: { algorithm: 'SHA2_256', digest: 'AA==' }, signature: 'AA==' };
    return expectCode(verifyLib(sigFile(JSON.stringify(b))), 'BUNDLE_INVALID', 1);
  });

  hostile('E-28', 'an unknown top-level field is refused', () => {
    const b = { ...honestBundle(), trustMe: true };
    return expectCode(verifyLib(sigFile(JSON.stringify(b))), 'BUNDLE_INVALID', 1);
  });

  hostile('E-29', 'transparency-log entries that key verification cannot check are refused, not ignored', () => {
    const b = honestBundle();
    b.verificationMaterial.tlogEntries = [{ logIndex: '1' }];
    expectCliRefusal(verifyCli(sigFile(JSON.stringify(b))), 'UNSUPPORTED_MATERIAL', 1);
  });

  hostile('E-30', 'certificate material presented for key verification is refused', () => {
    const b = honestBundle();
    b.verificationMaterial = { certificate: { rawBytes: 'MIIB' }, tlogEntries: [] };
    return expectCode(verifyLib(sigFile(JSON.stringify(b))), 'UNTRUSTED_SIGNER', 1);
  });

  hostile('E-31', 'a byte-order mark before the JSON is refused', () =>
    expectCode(verifyLib(sigFile('\ufeff' + JSON.stringify(honestBundle()))), 'BUNDLE_INVALID', 1));

  hostile('E-32', 'a signature of another model by the same trusted publisher is refused (swapped model.sig)', async () => {
    const otherModel = writeTree(tmpDir(), { 'weights.bin': 'other', 'config.json': '{}' });
    const signature = writeBundle(path.join(tmpDir(), 'm.sig'), await statementFor(otherModel), key.info);
    const before = snapshotTree(root);
    await expectCode(verifyLib(signature), 'ARTIFACT_MISMATCH', 1);
    expect(snapshotTree(root)).toEqual(before);
  });
});

describe('values, not only bytes', () => {
  /** `n` empty objects as JSON text: 3 bytes each, a few hundred MB of heap per hundred million. */
  const empties = (n: number) => `[${'{},'.repeat(n - 1)}{}]`;
  /** Peak RSS of a CLI verify of a signature file, in MiB, with its result. */
  function verifyMeasured(signature: string, keyPath = key.publicPath) {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, path.join(__dirname, '..', '..', 'bin', 'run.js'), 'verify', root, '--key', keyPath, '--signature', signature, '--json'], { encoding: 'utf8' });
    const lines = r.stderr.trim().split('\n');
    return { status: r.status, json: JSON.parse(r.stdout), peakMiB: Number(lines[lines.length - 1]) / 1024 };
  }

  hostile('E-33', 'a bundle padded with 3 million empty objects beside its payload is refused, in bounded memory', () => {
    const text = JSON.stringify(honestBundle());
    const r = verifyMeasured(sigFile(`${text.slice(0, -1)},"x":${empties(3_000_000)}}`));
    expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 1, code: 'BUNDLE_INVALID' });
    expect(r.json.error.message).toContain('more than 2000000 values');
    expect(r.peakMiB).toBeLessThan(400);
  });

  hostile('E-35', 'a bundle whose strings are 60 MB of escapes is read in bounded memory', () => {
    const b = honestBundle();
    const escapes = '\\n'.repeat(480_000); // just under the 1 MiB a string outside the payload may take
    const padding = Array.from({ length: 60 }, (_, i) => `"p${i}":"${escapes}"`).join(',');
    const text = JSON.stringify(b).replace('"publicKey":{', `"publicKey":{${padding},`);
    const r = verifyMeasured(sigFile(text));
    expect(r.status).toBe(0); // only the payload and its signature decide; the extra strings are read, then dropped
    expect(r.peakMiB).toBeLessThan(400);
  });

  hostile('E-36', 'a COSE message with a million items in nested arrays (each array within its limit), and a number of 5,000 digits in a bundle, are refused', async () => {
    const inner = arr(Array.from({ length: 1000 }, () => int(0)));
    const message = tag(18, arr([bstr(Buffer.from([0xa1, 0x01, 0x26])), map([[int(99), arr(Array.from({ length: 1000 }, () => inner))]]), bstr(Buffer.from('{}')), bstr(Buffer.alloc(64))]));
    const cose = path.join(tmpDir(), 'model.cose');
    fs.writeFileSync(cose, message);
    const e = await expectCode(verifyLib(cose), 'BUNDLE_INVALID', 1);
    expect(e.message).toContain('more than 100000 items in all');
    const long = JSON.stringify(honestBundle()).replace('"mediaType"', `"x":${'9'.repeat(5000)},"mediaType"`);
    const n = await expectCode(verifyLib(sigFile(long)), 'BUNDLE_INVALID', 1);
    expect(n.message).toContain('a number of more than 4096 characters');
  });

  hostile('E-34', 'a signed statement holding 3 million values outside its resources, or one resource entry holding 5,000, is refused', async () => {
    const padded = { ...honest, predicate: { ...honest.predicate, x: JSON.parse(empties(3_000_000)) } };
    await expectCode(verifyLib(sigFile(JSON.stringify(bundleObject(padded, key.info)))), 'STATEMENT_INVALID', 1);
    const fat = JSON.parse(JSON.stringify(honest));
    fat.predicate.resources[0].x = JSON.parse(empties(5000));
    const e = await expectCode(verifyLib(sigFile(JSON.stringify(bundleObject(fat, key.info)))), 'STATEMENT_INVALID', 1);
    expect(e.message).toContain('an element of the list holds more than 4096 values');
  });
});
