import { createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { derToRaw, rawToDer } from '../src/keys/ecdsa-der';
import { keyReferenceKind } from '../src/keys/key-reference';
import { parsePkcs11Uri, redactPkcs11Uri } from '../src/keys/pkcs11-uri';
import { spkiFromToken, EC_PARAMS } from '../src/keys/pkcs11-public-key';
import { signWith, type ExternalKey } from '../src/keys/signing-key';
import { publicKeyInfo } from '../src/keys/load';
import { ModelsealError } from '../src/errors';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ModelsealError ? e.code : `not a ModelsealError: ${String(e)}`;
  }
  return undefined;
}

describe('RFC 7512 pkcs11: URIs', () => {
  it('reads path and query attributes, percent-decoded; id as bytes', () => {
    const u = parsePkcs11Uri('pkcs11:token=My%20Token;object=release%3Bkey;id=%01%ff;type=private;slot-id=7?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin');
    expect(u.path).toEqual({ token: 'My Token', object: 'release;key', type: 'private', 'slot-id': '7' });
    expect(u.id).toEqual(Buffer.from([1, 255]));
    expect(u.query).toEqual({ 'module-path': '/usr/lib/softhsm/libsofthsm2.so', 'pin-source': 'file:/run/pin' });
    expect(parsePkcs11Uri('PKCS11:object=a').path.object).toBe('a'); // the scheme is case-insensitive
  });

  it.each([
    ['twice', 'pkcs11:object=a;object=b'],
    ['twice', 'pkcs11:object=a?pin-value=1&pin-value=2'],
    ['unknown path attribute', 'pkcs11:object=a;tokn=x'],
    ['unknown query attribute', 'pkcs11:object=a?module=x'],
    ['malformed percent escape', 'pkcs11:object=%zz'],
    ['not UTF-8', 'pkcs11:object=%ff'],
    ['control character', 'pkcs11:object=a%00b'],
    ['must be percent-encoded', 'pkcs11:object=a b'],
    ['names no key', 'pkcs11:token=x'],
    ['type=', 'pkcs11:object=a;type=cert'],
    ['slot-id', 'pkcs11:object=a;slot-id=-1'],
    ['fragment', 'pkcs11:object=a#frag'],
    ['without a name', 'pkcs11:object'],
    ['longer than', `pkcs11:object=${'a'.repeat(5000)}`],
  ])('refuses a URI (%s)', (why, uri) => {
    let err: unknown;
    try {
      parsePkcs11Uri(uri);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelsealError);
    expect((err as ModelsealError).code).toBe('USAGE_ERROR');
    expect((err as Error).message).toContain(why);
    expect((err as Error).message.length).toBeLessThan(200);
  });

  it('never shows pin-value when it prints a URI', () => {
    const u = parsePkcs11Uri('pkcs11:token=t;object=k?module-path=/m.so&pin-value=s3cret');
    const shown = redactPkcs11Uri(u);
    expect(shown).not.toContain('s3cret');
    expect(parsePkcs11Uri(shown)).toEqual({ ...u, query: { 'module-path': '/m.so' } });
  });

  it('tells key references apart: pkcs11:, exec:, else a file', () => {
    expect(keyReferenceKind('pkcs11:object=x')).toBe('pkcs11');
    expect(keyReferenceKind('exec:./kms.sh key')).toBe('exec');
    expect(keyReferenceKind('./exec:x')).toBe('file');
    expect(keyReferenceKind('keys/a.key')).toBe('file');
  });
});

describe('ECDSA raw r||s <-> DER', () => {
  for (const [curve, field] of [['P-256', 32], ['P-384', 48], ['P-521', 66]] as const) {
    it(`${curve}: our DER of a raw signature is byte-identical to OpenSSL's DER, over many signatures`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      let shortInts = 0;
      // At least 300 signatures, and on until one has an r or s with a leading zero byte
      // (p ~ 1/128 per signature; 300 alone miss it about one run in ten).
      for (let i = 0; i < 5000 && (i < 300 || (curve !== 'P-521' && shortInts === 0)); i++) {
        const data = Buffer.from(`message ${i}`);
        const der = nodeSign(null, data, { key: privateKey, dsaEncoding: 'der' });
        const raw = derToRaw(der, field);
        expect(raw).toHaveLength(2 * field);
        expect(rawToDer(raw, field)).toEqual(der);
        expect(nodeVerify(null, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
        if (raw[0] === 0 || raw[field] === 0) shortInts++;
      }
      // the case that breaks naive converters
      if (curve !== 'P-521') expect(shortInts).toBeGreaterThan(0);
    });
  }

  it('writes minimal INTEGERs: leading zeros dropped, 0x00 added before a set top bit', () => {
    const raw = Buffer.alloc(64);
    raw[31] = 1; // r = 1
    raw.fill(0xff, 32); // s = 0xff..ff
    const der = rawToDer(raw, 32);
    expect(der.toString('hex')).toBe(`3026020101022100${'ff'.repeat(32)}`);
    expect(derToRaw(der, 32)).toEqual(raw);
  });

  it.each([
    ['non-minimal INTEGER', '3007020200010201 01'],
    ['negative INTEGER', '3006020181020101'],
    ['trailing bytes', '300602010102010100'],
    ['wrong outer length', '3007020101020101'],
    ['not a SEQUENCE', '3106020101020101'],
    ['zero-length INTEGER', '30050200020101'],
    ['long-form length for a short body', '308106020101020101'],
  ])('refuses %s', (_what, hex) => {
    expect(code(() => derToRaw(Buffer.from(hex.replace(/ /g, ''), 'hex'), 32))).toBe('SIGNER_FAILED');
  });

  it('refuses a raw signature of the wrong length', () => {
    expect(code(() => rawToDer(Buffer.alloc(63), 32))).toBe('SIGNER_FAILED');
  });
});

describe('token public keys', () => {
  it('builds the same SPKI as OpenSSL from CKA_EC_PARAMS and CKA_EC_POINT, wrapped or bare', () => {
    for (const [curve, type] of [['P-256', 'ecdsa-p256'], ['P-384', 'ecdsa-p384'], ['P-521', 'ecdsa-p521']] as const) {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const spki = publicKey.export({ type: 'spki', format: 'der' });
      const jwk = publicKey.export({ format: 'jwk' });
      const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
      const wrapped = Buffer.concat([Buffer.from(point.length < 128 ? [4, point.length] : [4, 0x81, point.length]), point]);
      expect(spkiFromToken(EC_PARAMS[type], wrapped).spki).toEqual(spki);
      expect(spkiFromToken(EC_PARAMS[type], point).spki).toEqual(spki);
    }
    const { publicKey } = generateKeyPairSync('ed25519');
    const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    expect(spkiFromToken(EC_PARAMS.ed25519, Buffer.concat([Buffer.from([4, 32]), x])).spki).toEqual(publicKey.export({ type: 'spki', format: 'der' }));
    expect(spkiFromToken(Buffer.from('130c656477617264733235353139', 'hex'), x).type).toBe('ed25519');
  });

  it('refuses other curves and points not on the curve', () => {
    expect(code(() => spkiFromToken(Buffer.from('06052b8104000a', 'hex'), Buffer.alloc(65, 4)))).toBe('KEY_UNSUPPORTED'); // secp256k1
    const bogus = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]);
    expect(code(() => spkiFromToken(EC_PARAMS['ecdsa-p256'], bogus))).toBe('KEY_INVALID');
    expect(code(() => spkiFromToken(EC_PARAMS['ecdsa-p256'], Buffer.alloc(70, 4)))).toBe('KEY_INVALID');
  });
});

describe('signWith an external key', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const info = publicKeyInfo(createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })));
  function external(signData: (d: Uint8Array) => Buffer): ExternalKey {
    return { type: 'ecdsa-p256', publicKey: info, source: 'exec', reference: 'exec:test', signData };
  }
  it('returns a verified DER signature, or r||s for COSE', () => {
    const key = external((d) => nodeSign('sha256', d, { key: privateKey, dsaEncoding: 'der' }));
    const data = Buffer.from('pae');
    expect(nodeVerify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signWith(key, data))).toBe(true);
    expect(nodeVerify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signWith(key, data, 'ieee-p1363'))).toBe(true);
  });
  it('refuses a signature over other bytes, raw r||s where DER belongs, and non-canonical DER', () => {
    const other = external((d) => nodeSign('sha256', Buffer.concat([Buffer.from(d), Buffer.from('x')]), { key: privateKey, dsaEncoding: 'der' }));
    expect(code(() => signWith(other, Buffer.from('pae')))).toBe('SIGNER_FAILED');
    const raw = external((d) => nodeSign('sha256', d, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
    expect(code(() => signWith(raw, Buffer.from('pae')))).toBe('SIGNER_FAILED');
    const padded = external((d) => {
      const der = nodeSign('sha256', d, { key: privateKey, dsaEncoding: 'der' });
      // the same signature with an extra 0x00 before r: BER, not DER
      const rLen = der[3];
      const body = Buffer.concat([Buffer.from([0x02, rLen + 1, 0]), der.subarray(4, 4 + rLen), der.subarray(4 + rLen)]);
      return Buffer.concat([Buffer.from([0x30, body.length]), body]);
    });
    expect(code(() => signWith(padded, Buffer.from('pae')))).toBe('SIGNER_FAILED');
  });
});

describe('without the optional pkcs11js binding', () => {
  it('a pkcs11: key is one clear error naming what to install; other keys never load it', () => {
    jest.isolateModules(() => {
      jest.doMock('pkcs11js', () => {
        throw new Error('Cannot find module pkcs11js');
      });
      const { resolveSigningKey } = require('../src/keys/key-reference') as typeof import('../src/keys/key-reference');
      let err: unknown;
      try {
        resolveSigningKey(`pkcs11:token=t;object=k?module-path=${process.execPath}`);
      } catch (e) {
        err = e;
      }
      expect((err as ModelsealError).code).toBe('PKCS11_UNAVAILABLE');
      expect((err as Error).message).toMatch(/npm install pkcs11js.*python3, make and g\+\+/);
    });
  });
});
