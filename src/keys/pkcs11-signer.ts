import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { ModelsealError } from '../errors';
import { hashForKey } from './signature-algorithm';
import type { KeyType, PublicKeyInfo } from './key-types';
import { publicKeyInfo } from './load';
import { EC_PARAMS, spkiFromToken } from './pkcs11-public-key';
import { findKeyObjects, openTokenSession, tokenError, type TokenSession } from './pkcs11-token';
import { parsePkcs11Uri, redactPkcs11Uri, type Pkcs11Uri } from './pkcs11-uri';
import { ecdsaRawToDer, type ExternalKey } from './signing-key';

const CKK_EC = 0x3;
const CKK_EC_EDWARDS = 0x40;
const CKM_EC_KEY_PAIR_GEN = 0x1040;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_ECDSA = 0x1041;
const CKM_EDDSA = 0x1057;

function oneObject(t: TokenSession, uri: Pkcs11Uri, klass: number, what: string): Buffer {
  const found = findKeyObjects(t, uri, klass);
  const named = [uri.path.object !== undefined ? `object ${JSON.stringify(uri.path.object)}` : '', uri.id ? `id ${uri.id.toString('hex')}` : ''].filter(Boolean).join(' / ');
  if (found.length === 0) throw new ModelsealError('TOKEN_KEY_NOT_FOUND', `the token ${JSON.stringify(t.tokenLabel)} has no ${what} with ${named}`);
  if (found.length > 1) throw new ModelsealError('TOKEN_KEY_NOT_FOUND', `the token ${JSON.stringify(t.tokenLabel)} has ${found.length} ${what}s with ${named}; add id= to name one`);
  return found[0];
}

/** The public key of the key pair the URI names, from the token's public key object. */
function tokenPublicKey(t: TokenSession, uri: Pkcs11Uri, privateKey?: Buffer): PublicKeyInfo {
  const { p11, pk, session } = t;
  // The public half is found by the private key's CKA_ID when there is one (labels need not be unique).
  let lookup = uri;
  if (privateKey) {
    try {
      const [idAttr] = p11.C_GetAttributeValue(session, privateKey, [{ type: pk.CKA_ID }]);
      if (idAttr.value && (idAttr.value as Buffer).length > 0) lookup = { ...uri, id: idAttr.value as Buffer };
    } catch {
      // no CKA_ID: look up by the URI alone
    }
  }
  const pub = oneObject(t, lookup, pk.CKO_PUBLIC_KEY, 'public key');
  let attrs;
  try {
    attrs = p11.C_GetAttributeValue(session, pub, [{ type: pk.CKA_KEY_TYPE }, { type: pk.CKA_EC_PARAMS }, { type: pk.CKA_EC_POINT }]);
  } catch (err) {
    throw tokenError(err, 'reading the public key', 'KEY_UNSUPPORTED');
  }
  const kt = attrs[0].value as Buffer;
  const keyType = kt.length === 8 ? Number(kt.readBigUInt64LE(0)) : kt.length === 4 ? kt.readUInt32LE(0) : -1;
  if (keyType !== CKK_EC && keyType !== CKK_EC_EDWARDS) throw new ModelsealError('KEY_UNSUPPORTED', 'the token key is not an EC or EdDSA key (RSA is not supported)');
  const { spki } = spkiFromToken(attrs[1].value as Buffer, attrs[2].value as Buffer);
  return publicKeyInfo(createPublicKey({ key: spki, format: 'der', type: 'spki' }));
}

/** Reads the public key a pkcs11: URI names (for verify, lock and keygen's export); logs in only if a PIN is given. */
export function readPkcs11PublicKey(reference: string): PublicKeyInfo {
  const uri = parsePkcs11Uri(reference);
  const t = openTokenSession(uri, { login: 'if-pin' });
  try {
    return tokenPublicKey(t, uri);
  } finally {
    t.close();
  }
}

/**
 * A signing key on a PKCS#11 token. ECDSA: the token signs the curve's hash of the data
 * (CKM_ECDSA, computed here so any token works) and returns r||s, re-encoded as DER;
 * Ed25519: the token signs the data (CKM_EDDSA). The session stays open until exit.
 */
export function openPkcs11Signer(reference: string): ExternalKey {
  const uri = parsePkcs11Uri(reference);
  const t = openTokenSession(uri, { login: 'required' });
  let privateKey: Buffer;
  let publicKey: PublicKeyInfo;
  try {
    privateKey = oneObject(t, uri, t.pk.CKO_PRIVATE_KEY, 'private key');
    publicKey = tokenPublicKey(t, uri, privateKey);
  } catch (err) {
    t.close();
    throw err;
  }
  process.once('exit', () => t.close());
  const type = publicKey.type;
  return {
    type,
    publicKey,
    source: 'pkcs11',
    reference: redactPkcs11Uri(uri),
    signData(data: Uint8Array): Buffer {
      const hash = hashForKey(type);
      const input = hash ? createHash(hash).update(data).digest() : Buffer.from(data);
      let out: Buffer;
      try {
        t.p11.C_SignInit(t.session, { mechanism: hash ? CKM_ECDSA : CKM_EDDSA }, privateKey);
        out = t.p11.C_Sign(t.session, input, Buffer.alloc(256));
      } catch (err) {
        throw tokenError(err, 'signing');
      }
      return type === 'ed25519' ? Buffer.from(out) : ecdsaRawToDer(type, out);
    },
  };
}

export interface GeneratedTokenKey {
  reference: string;
  publicKey: PublicKeyInfo;
  id: Buffer;
}

/** Creates a key pair on the token under the URI's object label (and id, else 16 random bytes); refuses a label or id in use. */
export function generatePkcs11KeyPair(reference: string, type: KeyType): GeneratedTokenKey {
  const uri = parsePkcs11Uri(reference);
  if (uri.path.object === undefined) throw new ModelsealError('USAGE_ERROR', 'keygen --pkcs11 needs object=LABEL in the URI');
  const t = openTokenSession(uri, { login: 'required', readWrite: true });
  try {
    const { p11, pk, session } = t;
    const inUse = [pk.CKO_PRIVATE_KEY, pk.CKO_PUBLIC_KEY].some((k) => findKeyObjects(t, { ...uri, id: undefined }, k).length > 0 || (uri.id !== undefined && findKeyObjects(t, { ...uri, path: {} }, k).length > 0));
    if (inUse) throw new ModelsealError('OUTPUT_EXISTS', `the token ${JSON.stringify(t.tokenLabel)} already holds a key with this object label or id; modelseal never replaces token keys`);
    const id = uri.id ?? randomBytes(16);
    const label = Buffer.from(uri.path.object, 'utf8');
    const edwards = type === 'ed25519';
    const common = [
      { type: pk.CKA_TOKEN, value: true },
      { type: pk.CKA_LABEL, value: label },
      { type: pk.CKA_ID, value: id },
      { type: pk.CKA_KEY_TYPE, value: edwards ? CKK_EC_EDWARDS : CKK_EC },
    ];
    try {
      p11.C_GenerateKeyPair(
        session,
        { mechanism: edwards ? CKM_EC_EDWARDS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN },
        [...common, { type: pk.CKA_CLASS, value: pk.CKO_PUBLIC_KEY }, { type: pk.CKA_EC_PARAMS, value: EC_PARAMS[type] }, { type: pk.CKA_VERIFY, value: true }, { type: pk.CKA_ENCRYPT, value: false }, { type: pk.CKA_WRAP, value: false }, { type: pk.CKA_DERIVE, value: false }],
        [
          ...common,
          { type: pk.CKA_CLASS, value: pk.CKO_PRIVATE_KEY },
          { type: pk.CKA_PRIVATE, value: true },
          { type: pk.CKA_SENSITIVE, value: true },
          { type: pk.CKA_EXTRACTABLE, value: false },
          { type: pk.CKA_SIGN, value: true },
          { type: pk.CKA_DECRYPT, value: false },
          { type: pk.CKA_UNWRAP, value: false },
          { type: pk.CKA_DERIVE, value: false },
        ],
      );
    } catch (err) {
      throw tokenError(err, `${type} key generation (the token may not support it)`, 'KEY_UNSUPPORTED');
    }
    const named: Pkcs11Uri = { ...uri, id };
    return { reference: redactPkcs11Uri(named), publicKey: tokenPublicKey(t, named), id };
  } finally {
    t.close();
  }
}
