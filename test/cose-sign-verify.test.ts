import fc from 'fast-check';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeCoseSign1, parseCoseSign1, sigStructure } from '../src/envelope/cose/sign1';
import { encodeCanonical, newTag } from '../src/envelope/cose/cbor';
import { exitCodeFor, ModelsealError } from '../src/errors';
import { loadPrivateKey, loadPublicKey } from '../src/keys/load';
import { writeKeyPair } from '../src/keys/write';
import { signArtifact } from '../src/sign/sign-artifact';
import { signStatementCose } from '../src/sign/sign-cose';
import { verifyCoseSign1 } from '../src/verify/cose-verify';
import { verifyArtifact } from '../src/verify/verify-artifact';
import { cli } from './helpers/cli';
import { ALG, arr, bstr, headerPairs, int, map, NULL, sign1, signSign1, tag, tstr } from './helpers/cbor-bytes';
import { snapshotTree, tmpDir, writeTree } from './helpers/tmp';

const TYPES = ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521'] as const;

const work = tmpDir('modelseal-cose-');
const keys: Record<string, { priv: string; pub: string; hint: string; key: KeyObject }> = {};
for (const t of TYPES) {
  const k = writeKeyPair(path.join(work, t), t);
  keys[t] = { priv: k.privateKeyPath, pub: k.publicKeyPath, hint: k.hint, key: createPrivateKey(fs.readFileSync(k.privateKeyPath)) };
}

function model(): string {
  return writeTree(tmpDir('modelseal-cose-model-'), {
    'config.json': '{"layers": 2}',
    'weights/model.safetensors': Buffer.alloc(5000, 7),
    'tokenizer.json': '{"vocab": []}',
  });
}

function signCose(dir: string, type: string, extra: string[] = []) {
  const r = cli(['sign', dir, '--key', keys[type].priv, '--format', 'cose', '--json', ...extra]);
  expect(r.status).toBe(0);
  return r.json.signature as string;
}

function verifyCli(dir: string, type: string, signature?: string) {
  return cli(['verify', dir, '--key', keys[type].pub, '--json', ...(signature ? ['--signature', signature] : [])]);
}

async function expectRefused(result: { status: number; json: any } | Promise<{ status: number; json: any }>, exit: number, code: string, message: RegExp) {
  const r = await result;
  expect(r.json?.error).toMatchObject({ code });
  expect(r.json.error.message).toMatch(message);
  expect(r.status).toBe(exit);
}

describe('sign --format cose / verify (round trip)', () => {
  it.each(TYPES)('%s: writes <dir>/model.cose and verify finds and accepts it', (type) => {
    const dir = model();
    const before = snapshotTree(dir);
    const sig = signCose(dir, type);
    expect(sig).toBe(path.join(dir, 'model.cose'));
    const after = snapshotTree(dir);
    delete after['model.cose'];
    expect(after).toEqual(before); // the artifact is untouched
    const r = verifyCli(dir, type);
    expect(r.status).toBe(0);
    expect(r.json).toMatchObject({ ok: true, verified: true, format: 'cose', signature: sig, keyType: type, keyHint: keys[type].hint, claims: { subject: path.basename(dir), issuer: keys[type].hint }, resources: 3 });
  });

  it('a single file gets <file>.cose; --issuer, --subject and --signature are honoured', () => {
    const dir = model();
    const file = path.join(dir, 'weights', 'model.safetensors');
    const r = cli(['sign', file, '--key', keys['ecdsa-p256'].priv, '--format', 'cose', '--issuer', 'https://models.example.com', '--subject', 'acme/llama-ft', '--json']);
    expect(r.status).toBe(0);
    expect(r.json.signature).toBe(`${file}.cose`);
    const v = verifyCli(file, 'ecdsa-p256');
    expect(v.status).toBe(0);
    expect(v.json).toMatchObject({ format: 'cose', claims: { issuer: 'https://models.example.com', subject: 'acme/llama-ft' } });
    const elsewhere = path.join(work, 'elsewhere.cose');
    signCose(dir, 'ed25519', ['--signature', elsewhere]);
    expect(verifyCli(dir, 'ed25519', elsewhere).json).toMatchObject({ ok: true, format: 'cose' });
  });

  it('the human output names the COSE form, its issuer and subject', () => {
    const dir = model();
    signCose(dir, 'ed25519', ['--issuer', 'did:web:example.com']);
    const r = cli(['verify', dir, '--key', keys.ed25519.pub]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Verified .*signed by ed25519 key .* \(COSE_Sign1, issuer "did:web:example.com", subject ".+"\)\n$/);
  });

  it('carries the same in-toto statement as the bundle form; a folder may hold both forms', async () => {
    const dir = model();
    const key = loadPrivateKey(keys['ecdsa-p256'].priv);
    // the COSE statement always leaves model.sig out; the bundle is told to leave model.cose out
    await signArtifact(dir, { key, ignorePaths: ['model.cose'] });
    await signArtifact(dir, { key, format: 'cose' });
    const bundle = JSON.parse(fs.readFileSync(path.join(dir, 'model.sig'), 'utf8'));
    const fromBundle = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
    const fromCose = JSON.parse(parseCoseSign1(fs.readFileSync(path.join(dir, 'model.cose'))).payload.toString('utf8'));
    expect(fromCose.subject).toEqual(fromBundle.subject);
    expect(fromCose.predicateType).toBe(fromBundle.predicateType);
    expect(fromCose.predicate.resources).toEqual(fromBundle.predicate.resources);
    expect(fromCose.predicate.serialization.ignore_paths).toEqual(expect.arrayContaining(['model.cose', 'model.sig']));
    const pub = keys['ecdsa-p256'].pub;
    await expect(verifyArtifact(dir, { keys: pub, signature: path.join(dir, 'model.cose') })).resolves.toMatchObject({ format: 'cose' });
    await expect(verifyArtifact(dir, { keys: pub })).resolves.toMatchObject({ format: 'bundle' });
  });

  it('signStatementCose signs any statement (the API attest will use)', () => {
    const key = loadPrivateKey(keys.ed25519.priv);
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'adapter', digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'https://slsa.dev/provenance/v1', predicate: {} };
    const msg = signStatementCose(statement, key, { issuer: 'did:web:example.com' });
    const parsed = parseCoseSign1(msg);
    expect(JSON.parse(parsed.payload.toString('utf8'))).toEqual(statement);
    const { signer, headers } = verifyCoseSign1(parsed, [loadPublicKey(keys.ed25519.pub)]);
    expect(signer.hint).toBe(keys.ed25519.hint);
    expect(headers.claims).toEqual({ issuer: 'did:web:example.com', subject: 'adapter' });
    expect(headers.kid?.toString('hex')).toBe(keys.ed25519.hint);
    expect(signStatementCose(statement, key, { issuer: 'did:web:example.com' }).toString('hex')).toBe(msg.toString('hex')); // Ed25519 + canonical CBOR: deterministic
  });

  it('issuer/subject without --format cose is a usage error (exit 2)', () => {
    const r = cli(['sign', model(), '--key', keys.ed25519.priv, '--issuer', 'x', '--json']);
    expectRefused(r, 2, 'USAGE_ERROR', /only to the cose format/);
  });
});

/** Library verification, as loaders call it: the same refusal the CLI prints, with its exit status. */
async function verify(dir: string, type: string, signature?: string): Promise<{ status: number; json: any }> {
  try {
    const result = await verifyArtifact(dir, { keys: keys[type].pub, signature });
    return { status: 0, json: { ok: true, ...result, ...result.claims } };
  } catch (err) {
    if (!(err instanceof ModelsealError)) throw err;
    return { status: exitCodeFor(err.code), json: { ok: false, error: err.toJSON() } };
  }
}

describe('verify refuses bad COSE_Sign1 signatures', () => {
  const dir = model();
  let good: Buffer;
  let payload: Buffer;
  beforeAll(async () => {
    await signArtifact(dir, { key: loadPrivateKey(keys.ed25519.priv), format: 'cose' });
    good = fs.readFileSync(path.join(dir, 'model.cose'));
    payload = parseCoseSign1(good).payload;
  });
  let n = 0;
  const write = (bytes: Buffer) => {
    const f = path.join(work, `bad-${n++}.cose`);
    fs.writeFileSync(f, bytes);
    return f;
  };

  /** A message built by hand (test/helpers/cbor-bytes) and signed properly, so only the named defect is wrong. */
  function handMade(type: string, opts: { pairs?: Array<[Buffer, Buffer]>; unprotected?: Buffer; wrap?: (parts: Buffer[]) => Buffer; payload?: Buffer } = {}): Buffer {
    const prot = map(opts.pairs ?? headerPairs(ALG[type], Buffer.from(keys[type].hint, 'hex')));
    const p = opts.payload ?? payload;
    const s = signSign1(type, keys[type].key, prot, p);
    if (opts.wrap) return opts.wrap([bstr(prot), opts.unprotected ?? map([]), bstr(p), bstr(s)]);
    return sign1(prot, opts.unprotected ?? map([]), p, s);
  }

  it('a hand-made, well-formed message verifies (the baseline of the cases below)', async () => {
    for (const t of TYPES) {
      const r = await verify(dir, t, write(handMade(t)));
      expect(r.json).toMatchObject({ ok: true, format: 'cose', claims: { issuer: 'issuer', subject: 'subject' } });
    }
  });

  it('a tampered payload', async () => {
    const i = good.indexOf(Buffer.from('"sha256"'));
    const bad = Buffer.from(good);
    bad[i + 1] = 'S'.charCodeAt(0);
    await expectRefused(verify(dir, 'ed25519', write(bad)), 1, 'SIGNATURE_MISMATCH', /COSE_Sign1 signature does not verify/);
  });

  it('a tampered artifact', async () => {
    const d = model();
    await signArtifact(d, { key: loadPrivateKey(keys['ecdsa-p384'].priv), format: 'cose' });
    fs.appendFileSync(path.join(d, 'config.json'), ' ');
    await expectRefused(verify(d, 'ecdsa-p384'), 1, 'ARTIFACT_MISMATCH', /changed: "config.json"/);
  });

  it('the wrong key of the same type', async () => {
    const other = writeKeyPair(path.join(work, 'other'), 'ed25519');
    const r = cli(['verify', dir, '--key', other.publicKeyPath, '--json']);
    await expectRefused(r, 1, 'SIGNATURE_MISMATCH', new RegExp(`the message names key ${keys.ed25519.hint.slice(0, 12)}`));
  });

  it('an alg that does not fit the key', async () => {
    await expectRefused(verify(dir, 'ecdsa-p256'), 1, 'SIGNATURE_MISMATCH', /alg EdDSA \(-8\) does not match the given key \(ecdsa-p256/);
    // properly signed with P-384/SHA-384 but labelled ES256: the alg is bound to the key type
    const mislabelled = handMade('ecdsa-p384', { pairs: headerPairs(ALG['ecdsa-p256'], Buffer.alloc(32)) });
    await expectRefused(verify(dir, 'ecdsa-p384', write(mislabelled)), 1, 'SIGNATURE_MISMATCH', /alg ES256 \(-7\) does not match/);
  });

  it('an unsupported alg', async () => {
    const rs256 = handMade('ed25519', { pairs: headerPairs(-257, Buffer.alloc(32)) });
    await expectRefused(verify(dir, 'ed25519', write(rs256)), 1, 'UNSUPPORTED_ALGORITHM', /alg -257 is not supported/);
  });

  it('an ECDSA signature in DER instead of raw r||s', async () => {
    const prot = map(headerPairs(ALG['ecdsa-p256'], Buffer.alloc(32)));
    const tbs = arr([tstr('Signature1'), bstr(prot), bstr(Buffer.alloc(0)), bstr(payload)]);
    const der = require('node:crypto').sign('sha256', tbs, { key: keys['ecdsa-p256'].key, dsaEncoding: 'der' });
    await expectRefused(verify(dir, 'ecdsa-p256', write(sign1(prot, map([]), payload, der))), 1, 'SIGNATURE_MISMATCH', /does not verify/);
  });

  it('indefinite lengths', async () => {
    const outer = handMade('ed25519', { wrap: (p) => tag(18, Buffer.concat([Buffer.from([0x9f]), ...p, Buffer.from([0xff])])) });
    await expectRefused(verify(dir, 'ed25519', write(outer)), 1, 'BUNDLE_INVALID', /COSE_Sign1: the message is not strict CBOR: indefinite-length item at byte 1/);
    const chunked = Buffer.concat([Buffer.from([0x5f]), bstr(payload.subarray(0, 10)), bstr(payload.subarray(10)), Buffer.from([0xff])]);
    const inPayload = handMade('ed25519', { wrap: (p) => tag(18, arr([p[0], p[1], chunked, p[3]])) });
    await expectRefused(verify(dir, 'ed25519', write(inPayload)), 1, 'BUNDLE_INVALID', /indefinite-length item/);
  });

  it('duplicate map keys, in the protected and in the unprotected header', async () => {
    const pairs = headerPairs(ALG.ed25519, Buffer.alloc(32));
    const dupProtected = handMade('ed25519', { pairs: [...pairs, [int(1), int(ALG.ed25519)]] });
    await expectRefused(verify(dir, 'ed25519', write(dupProtected)), 1, 'BUNDLE_INVALID', /the protected header is not strict CBOR: duplicate map key/);
    const dupUnprotected = handMade('ed25519', { unprotected: map([[int(4), bstr(Buffer.alloc(1))], [int(4), bstr(Buffer.alloc(2))]]) });
    await expectRefused(verify(dir, 'ed25519', write(dupUnprotected)), 1, 'BUNDLE_INVALID', /the message is not strict CBOR: duplicate map key/);
  });

  it('an unknown critical header', async () => {
    const pairs = headerPairs(ALG.ed25519, Buffer.alloc(32));
    const crit = handMade('ed25519', { pairs: [pairs[0], [int(2), arr([int(99)])], ...pairs.slice(1), [int(99), tstr('must understand')]] });
    await expectRefused(verify(dir, 'ed25519', write(crit)), 1, 'BUNDLE_INVALID', /unknown critical header 99/);
    const missing = handMade('ed25519', { pairs: [pairs[0], [int(2), arr([int(15)])], ...pairs.slice(1, 3)] });
    await expectRefused(verify(dir, 'ed25519', write(missing)), 1, 'BUNDLE_INVALID', /crit lists label 15, which is not in the protected header/);
    const known = handMade('ed25519', { pairs: [pairs[0], [int(2), arr([int(15)])], ...pairs.slice(1)] });
    expect((await verify(dir, 'ed25519', write(known))).status).toBe(0);
  });

  it('trailing bytes', async () => {
    await expectRefused(verify(dir, 'ed25519', write(Buffer.concat([good, Buffer.from([0])]))), 1, 'BUNDLE_INVALID', /1 trailing byte\(s\)/);
  });

  it('a wrong or missing tag', async () => {
    const untagged = good.subarray(1);
    await expectRefused(verify(dir, 'ed25519', write(untagged)), 1, 'BUNDLE_INVALID', /not tagged; expected a tagged COSE_Sign1 \(tag 18\)/);
    await expectRefused(verify(dir, 'ed25519', write(tag(98, untagged))), 1, 'BUNDLE_INVALID', /has tag 98 \(COSE_Sign, several signers\); expected COSE_Sign1/);
    for (const n of [17, 1, 2, 55799]) {
      await expectRefused(verify(dir, 'ed25519', write(tag(n, untagged))), 1, 'BUNDLE_INVALID', new RegExp(`has tag ${n}; expected COSE_Sign1`));
    }
  });

  it('non-preferred integer encodings', async () => {
    const pairs = headerPairs(ALG.ed25519, Buffer.alloc(32));
    const longAlg = handMade('ed25519', { pairs: [[int(1), Buffer.from([0x38, 0x07])], ...pairs.slice(1)] });
    await expectRefused(verify(dir, 'ed25519', write(longAlg)), 1, 'BUNDLE_INVALID', /not in its shortest form/);
  });

  it('a detached payload, a missing CWT claim, unknown and unprotected labels', async () => {
    const detached = handMade('ed25519', { wrap: (p) => tag(18, arr([p[0], p[1], NULL, p[3]])) });
    await expectRefused(verify(dir, 'ed25519', write(detached)), 1, 'BUNDLE_INVALID', /payload is detached/);
    const noSub = handMade('ed25519', { pairs: headerPairs(ALG.ed25519, Buffer.alloc(32), map([[int(1), tstr('iss')]])) });
    await expectRefused(verify(dir, 'ed25519', write(noSub)), 1, 'BUNDLE_INVALID', /lack a subject \(claim 2\)/);
    const noClaims = handMade('ed25519', { pairs: headerPairs(ALG.ed25519, Buffer.alloc(32)).slice(0, 3) });
    await expectRefused(verify(dir, 'ed25519', write(noClaims)), 1, 'BUNDLE_INVALID', /CWT claims header \(label 15\) is missing/);
    const x5chain = handMade('ed25519', { pairs: [...headerPairs(ALG.ed25519, Buffer.alloc(32)), [int(33), bstr(Buffer.alloc(4))]] });
    await expectRefused(verify(dir, 'ed25519', write(x5chain)), 1, 'BUNDLE_INVALID', /unknown protected header label 33/);
    const unprotected = handMade('ed25519', { unprotected: map([[int(1), int(-8)]]) });
    await expectRefused(verify(dir, 'ed25519', write(unprotected)), 1, 'BUNDLE_INVALID', /accepts only an empty unprotected header/);
    const receipts = handMade('ed25519', { unprotected: map([[int(394), arr([bstr(Buffer.alloc(8))])]]) });
    await expectRefused(verify(dir, 'ed25519', write(receipts)), 1, 'UNSUPPORTED_MATERIAL', /SCITT receipts/);
  });

  it('a payload that is not the in-toto statement type', async () => {
    const pairs = headerPairs(ALG.ed25519, Buffer.alloc(32));
    pairs[1] = [int(3), tstr('application/json')];
    await expectRefused(verify(dir, 'ed25519', write(handMade('ed25519', { pairs }))), 1, 'STATEMENT_INVALID', /content type is "application\/json"/);
  });

  it('a .cose file that is JSON, an empty file, and a missing signature', async () => {
    await expectRefused(verify(dir, 'ed25519', write(Buffer.from('{"mediaType": "x"}'))), 1, 'BUNDLE_INVALID', /not tagged|not strict CBOR/);
    await expectRefused(verify(dir, 'ed25519', write(Buffer.alloc(0))), 1, 'BUNDLE_INVALID', /the file is empty/);
    await expectRefused(verify(dir, 'ed25519', path.join(work, 'absent.cose')), 2, 'SIGNATURE_NOT_FOUND', /not found/);
  });

  it('the CLI gives the same refusals with their exit status and --json', async () => {
    await expectRefused(verifyCli(dir, 'ed25519', write(tag(98, good.subarray(1)))), 1, 'BUNDLE_INVALID', /has tag 98/);
    await expectRefused(verifyCli(dir, 'ecdsa-p384'), 1, 'SIGNATURE_MISMATCH', /alg EdDSA \(-8\) does not match/);
    await expectRefused(verifyCli(dir, 'ed25519', path.join(work, 'absent.cose')), 2, 'SIGNATURE_NOT_FOUND', /not found/);
  });

  it('no single-byte change or truncation of a signed message is accepted, and none crashes', () => {
    const trusted = [loadPublicKey(keys.ed25519.pub)];
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, xor, truncate) => {
        const i = at % good.length;
        const bad = truncate ? good.subarray(0, i) : Buffer.from(good);
        if (!truncate) bad[i] ^= xor;
        try {
          verifyCoseSign1(parseCoseSign1(bad), trusted);
        } catch (err) {
          if (err instanceof ModelsealError) return;
          throw err;
        }
        throw new Error(`accepted a message changed at byte ${i}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('errors are one line without --json, never a stack trace', async () => {
    const r = cli(['verify', dir, '--key', keys.ed25519.pub, '--signature', write(Buffer.concat([good, Buffer.from([0])]))]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^modelseal verify: .*bad-\d+\.cose: COSE_Sign1: the message is not strict CBOR: 1 trailing byte\(s\) after the CBOR item at byte \d+ \[BUNDLE_INVALID\]\n$/);
  });
});

describe('the hand-written COSE structures around a payload', () => {
  it('are byte for byte what the canonical CBOR encoder writes, at every length boundary', () => {
    const prot = Buffer.from('a3012603781d6170706c69636174696f6e2f766e642e696e2d746f746f2b6a736f6e', 'hex');
    const sig = Buffer.alloc(64, 9);
    for (const n of [1, 23, 24, 255, 256, 65535, 65536, 300_000]) {
      const payload = Buffer.alloc(n, n % 251);
      expect(encodeCoseSign1(prot, payload, sig).equals(encodeCanonical(newTag([prot, new Map(), payload, sig], 18), { topLevelTag: true }))).toBe(true);
      expect(sigStructure(prot, payload).equals(encodeCanonical(['Signature1', prot, Buffer.alloc(0), payload]))).toBe(true);
    }
  });
});
