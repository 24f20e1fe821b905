import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keyBundleChunks, parseBundle, parseBundleContent, serializeKeyBundle, type SignatureBundle } from '../src/envelope/bundle';
import { LARGE_STRING_BYTES, readSignatureFileContent, type BundleFileOptions } from '../src/envelope/bundle-file';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../src/envelope/dsse';
import { parseJson, readBoundedFile } from '../src/envelope/read-json';
import { loadPrivateKey } from '../src/keys/load';
import { signInTotoPayload } from '../src/sign/sign-dsse';
import { verifyBundleSigners } from '../src/verify/trusted-signer';
import { verifySignatureFile } from '../src/verify/signature-file';
import { REPO } from './helpers/cli';
import { tmpDir } from './helpers/tmp';

const MiB = 1024 * 1024;
const dir = tmpDir('modelseal-bundle-file-');
let count = 0;

function write(content: string | Buffer, name = `b${count++}.json`): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
}

const envelope = (payload: Buffer) => ({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signature: randomBytes(64) });

/** A key bundle as `sign` writes it, through keyBundleChunks. */
function keyBundle(payloadBytes: number): { text: string; payload: Buffer; b64: string } {
  const payload = randomBytes(payloadBytes);
  return { text: [...keyBundleChunks(envelope(payload), 'hint')].join(''), payload, b64: payload.toString('base64') };
}

/** A key bundle whose payload text is `payloadText`, exactly. */
function withPayloadText(payloadText: string, hint = 'hint'): string {
  const text = serializeKeyBundle(envelope(Buffer.from('PLACEHOLDER')), hint);
  expect(text).toContain('"UExBQ0VIT0xERVI="');
  return text.replace('"UExBQ0VIT0xERVI="', () => `"${payloadText}"`);
}

function oldPath(f: string): SignatureBundle {
  return parseBundle(parseJson(fs.readFileSync(f), f, 'BUNDLE_INVALID', 'the signature file'), f);
}

function newPath(f: string, options?: BundleFileOptions): SignatureBundle {
  const content = readSignatureFileContent(f, options);
  if (content.kind !== 'json') throw new Error('read as COSE');
  return parseBundleContent(content, f);
}

type Outcome = { bundle: SignatureBundle } | { code: string; message: string };

function outcome(read: () => SignatureBundle): Outcome {
  try {
    return { bundle: read() };
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (e.code === undefined) throw err;
    return { code: e.code, message: e.message };
  }
}

/** Payloads are compared with equals(): toEqual over 20 M elements takes minutes. */
function expectSameBundle(actual: SignatureBundle, expected: SignatureBundle): void {
  expect(actual.envelope.payload.equals(expected.envelope.payload)).toBe(true);
  const strip = (b: SignatureBundle) => ({ ...b, envelope: { ...b.envelope, payload: null }, json: null });
  expect(strip(actual)).toEqual(strip(expected));
  expect(JSON.stringify(actual.json) === JSON.stringify(expected.json)).toBe(true);
}

/** The reader gives what the old whole-file path gives: the same bundle, or a refusal with the same code. */
function expectSame(f: string, options?: BundleFileOptions): Outcome {
  const expected = outcome(() => oldPath(f));
  const actual = outcome(() => newPath(f, options));
  if ('code' in expected) {
    expect('code' in actual && actual.code).toBe(expected.code);
  } else {
    if ('code' in actual) throw new Error(`refused what the old path accepts: ${actual.message}`);
    expectSameBundle(actual.bundle, expected.bundle);
  }
  return actual;
}

function expectRefused(f: string, message: RegExp, options?: BundleFileOptions): void {
  const got = outcome(() => newPath(f, options));
  if (!('code' in got)) throw new Error('accepted a bundle it must refuse');
  expect(got.code).toBe('BUNDLE_INVALID');
  expect(got.message).toMatch(message);
  expect(got.message.length).toBeLessThan(300);
}

describe('bundle file reader: same result as reading the whole file', () => {
  it.each([0, 1, 2, 100, 1000])('small payload of %i bytes (kept in the skeleton)', (n) => {
    const f = write(keyBundle(n).text);
    expect(readSignatureFileContent(f)).not.toHaveProperty('payload');
    expectSame(f);
  });

  it.each([5 * MiB, 5 * MiB + 1, 20 * MiB + 2])('large payload of %i bytes, decoded while read', (n) => {
    const { text, payload } = keyBundle(n);
    const f = write(text);
    const content = readSignatureFileContent(f);
    expect(content.kind === 'json' && content.payload?.equals(payload)).toBe(true);
    expectSame(f);
  });

  it('serializeKeyBundle output, large payload', () => {
    expectSame(write(serializeKeyBundle(envelope(randomBytes(3 * MiB + 2)), 'h')));
  });

  it('payload at every offset mod 4 against the read chunks', () => {
    const { text } = keyBundle(LARGE_STRING_BYTES + 1001);
    for (let lead = 0; lead < 4; lead++) {
      const f = write(' '.repeat(lead) + text);
      for (const chunkSize of [4096, 4097, 4098, 4099, 65536 + 3]) expectSame(f, { chunkSize });
    }
  });

  it('tiny read chunks (7, 13 bytes), threshold crossing anywhere, every payload length mod 3', () => {
    // Thresholds over the 88 base64 characters of the signature.
    for (let n = 300; n < 306; n++) {
      const f = write(keyBundle(n).text);
      for (const chunkSize of [1, 2, 3, 7, 13]) {
        for (const largeString of [100, 101, 102, 103]) {
          const content = readSignatureFileContent(f, { chunkSize, largeString });
          expect(content.kind === 'json' && content.payload !== undefined).toBe(true);
          expectSame(f, { chunkSize, largeString });
        }
      }
    }
  });

  it('tiny chunks over a real large payload', () => {
    expectSame(write(keyBundle(LARGE_STRING_BYTES + 2).text), { chunkSize: 13 });
  }, 120000);

  it('URL-safe payloads, with and without padding; standard without padding', () => {
    const payload = randomBytes(2 * MiB + 2); // two padding characters
    const url = payload.toString('base64url');
    expect(url).toMatch(/[-_]/);
    for (const text of [url, `${url}==`, payload.toString('base64').replace(/=+$/, '')]) {
      const f = write(withPayloadText(text));
      for (const chunkSize of [undefined, 4099]) {
        const got = expectSame(f, { chunkSize });
        expect('bundle' in got && (got.bundle.json.dsseEnvelope as { payload: string }).payload === text).toBe(true);
      }
    }
  });

  it('a string of exactly the threshold stays in the skeleton, one byte more must be the payload', () => {
    expectSame(write(withPayloadText('AAAA', 'x'.repeat(100))), { largeString: 100 });
    expectRefused(write(withPayloadText('AAAA', 'x y'.repeat(34))), /over 100 bytes/, { largeString: 100 });
  });
});

describe('bundle file reader: refusals (fail closed)', () => {
  const b64 = () => randomBytes(2 * MiB + 2).toString('base64'); // ends in "=="

  it('a non-canonical last group ("AR==" for "AQ==")', () => {
    const text = b64();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = alphabet[alphabet.indexOf(text[text.length - 3]) | 1];
    const f = write(withPayloadText(text.slice(0, -3) + last + '=='));
    expectSame(f);
    expectRefused(f, /not canonical base64/);
    expectRefused(f, /not canonical base64/, { chunkSize: 7, largeString: 100 });
  });

  it('mixed alphabets, padding in the middle, too much padding, a dangling symbol', () => {
    const text = b64();
    const cases = [
      `${text.slice(0, 100)}+${text.slice(101, -4)}_${text.slice(-3)}`,
      `${text.slice(0, 100)}-${text.slice(101, 5000)}/${text.slice(5001)}`,
      `${text.slice(0, 600000)}==${text.slice(600000)}`,
      `${text}=`,
      text.slice(0, -3),
      `${text.slice(0, -2)}=`,
      `${text.slice(0, -3)}===`,
    ];
    for (const payload of cases) {
      const f = write(withPayloadText(payload));
      expectSame(f);
      expectRefused(f, /not canonical base64/);
      expectRefused(f, /not canonical base64/, { chunkSize: 4097 });
    }
  });

  it('an escape inside a large string, even one JSON reads as base64 ("\\/")', () => {
    const text = b64().replace('/', '\\/');
    expectRefused(write(withPayloadText(text)), /without escapes/);
    expectRefused(write(withPayloadText(`\\u0041${text}`)), /without escapes/);
  });

  it('a large string anywhere but dsseEnvelope.payload', () => {
    expectRefused(write(withPayloadText('AAAA', 'x y'.repeat(MiB))), /not canonical base64/);
    expectRefused(write(withPayloadText('AAAA', b64())), /outside dsseEnvelope.payload/);
    const asKey = serializeKeyBundle(envelope(Buffer.from('x')), 'h').replace('{"hint"', () => `{"${b64()}":1,"hint"`);
    expectRefused(write(asKey), /outside dsseEnvelope.payload/);
  });

  it('two large strings', () => {
    expectRefused(write(withPayloadText(b64(), b64())), /besides dsseEnvelope.payload/);
  });

  it('duplicate keys around the payload', () => {
    const big = b64();
    const bundle = withPayloadText(big);
    const cases = [
      bundle.replace('"payload":', () => `"payload":"AAAA","payload":`),
      bundle.replace('"payloadType"', () => `"payload":"AAAA","payloadType"`),
      bundle.replace('"payloadType"', () => `"payload":"${big}","payloadType"`),
      bundle.replace('"dsseEnvelope":', '"dsseEnvelope":{"payload":"AAAA"},"dsseEnvelope":'),
      bundle.slice(0, -1) + ',"dsseEnvelope":{}}',
    ];
    for (const text of cases) {
      const f = write(text);
      expect(expectSame(f)).toHaveProperty('code', 'BUNDLE_INVALID');
    }
  });

  it('a placeholder-looking string written by an attacker is not confused with the payload', () => {
    const fake = `modelseal-decoded-payload-${'0'.repeat(32)}`;
    expectSame(write(withPayloadText(b64(), fake)));
    expectSame(write(withPayloadText(fake)));
    expectRefused(write(withPayloadText(fake, b64())), /outside dsseEnvelope.payload/);
  });

  it('checks parseBundle makes still apply with a decoded payload', () => {
    const big = b64();
    const cases = [
      withPayloadText(big).replace('"payloadType"', '"extra":1,"payloadType"'),
      withPayloadText(big).replace(/"payloadType":"[^"]*",/, ''),
      withPayloadText(big).replace('"mediaType":"', '"mediaType":"x'),
      withPayloadText(big).replace(/"signatures":\[[^\]]*\]/, '"signatures":[]'),
    ];
    for (const text of cases) expect(expectSame(write(text))).toHaveProperty('code', 'BUNDLE_INVALID');
  });

  it('truncated files', () => {
    const { text } = keyBundle(2 * MiB + 1);
    const at = [1, 50, text.indexOf('"payload"') + 12, text.indexOf('"payload"') + 12 + LARGE_STRING_BYTES + 3, text.indexOf('","payloadType') - 1, text.indexOf('","payloadType') + 1, text.length - 1];
    for (const n of at) {
      const f = write(text.slice(0, n));
      const old = outcome(() => oldPath(f));
      for (const chunkSize of [undefined, 4099]) expect(outcome(() => newPath(f, { chunkSize }))).toEqual(old);
    }
  });

  it('not JSON, an empty file, invalid UTF-8, trailing data', () => {
    for (const content of ['hello', '', Buffer.from([0x7b, 0xff, 0x7d]), '{} {}', '\ufeff{}', keyBundle(2 * MiB).text + 'x']) {
      const f = write(content);
      const old = outcome(() => oldPath(f));
      expect(old).toHaveProperty('code', 'BUNDLE_INVALID');
      expect(outcome(() => newPath(f, { chunkSize: 7 }))).toEqual(old);
    }
  });

  it('the same refusals as readBoundedFile before reading: too large, missing, folder, special file', () => {
    const codes = { notFound: 'SIGNATURE_NOT_FOUND', tooLarge: 'BUNDLE_INVALID' } as const;
    const f = write('x'.repeat(100));
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [file, max] of [[f, 99], [path.join(dir, 'missing'), 100], [dir, 100], [fifo, 100]] as const) {
      const old = outcome(() => {
        readBoundedFile(file, max, codes);
        throw new Error('read');
      });
      expect(outcome(() => newPath(file, { maxBytes: max }))).toEqual(old);
    }
    expect(outcome(() => newPath(f, { maxBytes: 99 }))).toMatchObject({ code: 'BUNDLE_INVALID', message: expect.stringMatching(/is 100 bytes, over the 99-byte limit/) });
    expect(outcome(() => newPath(path.join(dir, 'missing')))).toHaveProperty('code', 'SIGNATURE_NOT_FOUND');
  });

  it('messages do not grow with the input', () => {
    expectRefused(write(withPayloadText('!'.repeat(3 * MiB))), /not canonical base64/);
  });
});

describe('bundle file reader: COSE files and the JSON for Sigstore', () => {
  it('a COSE file is read whole after its first bytes', () => {
    const bytes = Buffer.concat([Buffer.from([0xd2, 0x84]), randomBytes(5000)]);
    const f = write(bytes, 'sig.bin');
    for (const chunkSize of [undefined, 1, 7]) {
      let first: Buffer | undefined;
      const content = readSignatureFileContent(f, { chunkSize, isCose: (b) => ((first = Buffer.from(b)), b[0] === 0xd2) });
      expect(first?.[0]).toBe(0xd2);
      expect(content.kind === 'cose' && content.bytes.equals(bytes)).toBe(true);
    }
  });

  it('json.dsseEnvelope.payload is base64 text made on first use only', () => {
    const { text, b64 } = keyBundle(2 * MiB);
    const bundle = newPath(write(text));
    const env = bundle.json.dsseEnvelope as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(env, 'payload')?.get).toBeDefined();
    expect(Object.keys(env)).toEqual(['payload', 'payloadType', 'signatures']);
    expect(env.payload).toBe(b64);
    expect(Object.getOwnPropertyDescriptor(env, 'payload')?.value).toBe(b64);
  });
});

describe('key verification of a large bundle', () => {
  const key = loadPrivateKey(path.join(REPO, 'keys-example/publisher-p256.key'));
  const pub = path.join(REPO, 'keys-example/publisher-p256.pub');
  const payload = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', pad: 'x'.repeat(3 * MiB) }));
  const f = write([...keyBundleChunks(signInTotoPayload(payload, key), key.publicKey.hint)].join(''));

  it('verifies, without ever materializing the base64 text', () => {
    const content = readSignatureFileContent(f);
    const bundle = parseBundleContent(content as { json: unknown; payload?: Buffer }, f);
    expect(verifyBundleSigners(bundle, [{ kind: 'key', key: pub }], f).method).toBe('key');
    expect(Object.getOwnPropertyDescriptor(bundle.json.dsseEnvelope, 'payload')?.get).toBeDefined();
    expect(verifySignatureFile(f, [{ kind: 'key', key: pub }]).payload.equals(payload)).toBe(true);
  });

  it('a flipped payload byte does not verify', () => {
    const text = fs.readFileSync(f, 'utf8');
    const i = text.indexOf('"payload":"') + 5000;
    const g = write(text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1));
    expect(() => verifySignatureFile(g, [{ kind: 'key', key: pub }])).toThrow(expect.objectContaining({ code: 'SIGNATURE_MISMATCH' }));
  });
});

describe('preAuthEncoding on a payload from the reader', () => {
  const concat = (type: string, payload: Buffer) =>
    Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} `), Buffer.from(type), Buffer.from(` ${payload.length} `), payload]);

  function readerPayload(bytes = LARGE_STRING_BYTES + 7): Buffer {
    const content = readSignatureFileContent(write(keyBundle(bytes).text));
    if (content.kind !== 'json' || !content.payload) throw new Error('no decoded payload');
    return content.payload;
  }

  it.each([IN_TOTO_PAYLOAD_TYPE, '', 'tÿpé/ünïcode', 'x'.repeat(480), 'x'.repeat(600)])('equals the concatenation (type %#)', (type) => {
    const payload = readerPayload();
    const copy = Buffer.from(payload);
    const pae = preAuthEncoding(type, payload);
    expect(pae.equals(concat(type, copy))).toBe(true);
    expect(pae.buffer === payload.buffer).toBe(type.length < 490);
    expect(payload.equals(copy)).toBe(true);
  });

  it('a second payload type copies instead of overwriting the header handed out', () => {
    const payload = readerPayload();
    const first = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload);
    const again = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload);
    const other = preAuthEncoding('application/other', payload);
    expect(again.buffer).toBe(first.buffer);
    expect(other.buffer).not.toBe(payload.buffer);
    expect(first.equals(concat(IN_TOTO_PAYLOAD_TYPE, payload))).toBe(true);
    expect(other.equals(concat('application/other', payload))).toBe(true);
  });

  it('other payloads (and subarrays of reader payloads) are copied as before', () => {
    const plain = randomBytes(1000);
    expect(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, plain).equals(concat(IN_TOTO_PAYLOAD_TYPE, plain))).toBe(true);
    const part = readerPayload().subarray(1);
    const pae = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, part);
    expect(pae.buffer).not.toBe(part.buffer);
    expect(pae.equals(concat(IN_TOTO_PAYLOAD_TYPE, part))).toBe(true);
  });
});
