import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError, fsError, type ErrorCode } from '../errors';
import type { Pkcs11Uri } from './pkcs11-uri';

// The native binding is an optional dependency, loaded only when a pkcs11: key is used.
type Pkcs11Module = typeof import('pkcs11js');
type Pkcs11 = InstanceType<Pkcs11Module['PKCS11']>;
type Handle = Buffer;

export const PIN_ENV = 'MODELSEAL_PKCS11_PIN';
export const MODULE_ENV = 'MODELSEAL_PKCS11_MODULE';
const MAX_PIN_FILE = 1024;

const CKF_TOKEN_INITIALIZED = 0x400;

let binding: Pkcs11Module | undefined;
export function pkcs11Binding(): Pkcs11Module {
  if (binding) return binding;
  try {
    binding = require('pkcs11js') as Pkcs11Module;
  } catch (err) {
    throw new ModelsealError(
      'PKCS11_UNAVAILABLE',
      'pkcs11: keys need the optional package pkcs11js, which is not installed or did not build (npm install pkcs11js; it needs python3, make and g++)',
      { cause: err },
    );
  }
  return binding;
}

const PIN_CODES = new Set(['CKR_PIN_INCORRECT', 'CKR_PIN_INVALID', 'CKR_PIN_LEN_RANGE', 'CKR_PIN_LOCKED', 'CKR_PIN_EXPIRED', 'CKR_USER_PIN_NOT_INITIALIZED', 'CKR_USER_NOT_LOGGED_IN']);

/** A PKCS#11 failure as one line: the CKR_ name, never the native stack or any argument (the PIN). */
export function tokenError(err: unknown, doing: string, code: ErrorCode = 'SIGNER_FAILED'): ModelsealError {
  if (err instanceof ModelsealError) return err;
  const name = /CKR_[A-Z0-9_]+/.exec(String((err as Error)?.message ?? ''))?.[0];
  if (name && PIN_CODES.has(name)) {
    const why = name === 'CKR_PIN_LOCKED' ? 'the PIN is locked' : name === 'CKR_USER_NOT_LOGGED_IN' ? 'no PIN was given' : 'the PIN is wrong';
    return new ModelsealError('TOKEN_PIN_WRONG', `the token refused to log in: ${why} (${name}); give it with pin-source=, pin-value= or ${PIN_ENV}`, { cause: err });
  }
  return new ModelsealError(code, `PKCS#11 ${doing} failed (${name ?? 'native error'})`, { cause: err });
}

function trimPadded(s: string): string {
  return s.replace(/[ \u0000]+$/, '');
}

/** The PIN, from pin-value, else pin-source (a file: URI or an absolute path), else $MODELSEAL_PKCS11_PIN. */
export function resolvePin(uri: Pkcs11Uri, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (uri.query['pin-value'] !== undefined) return uri.query['pin-value'];
  const source = uri.query['pin-source'];
  if (source !== undefined) {
    const file = source.startsWith('file://') ? source.slice('file://'.length) : source.startsWith('file:') ? source.slice('file:'.length) : source;
    if (!path.isAbsolute(file)) throw new ModelsealError('USAGE_ERROR', 'the pkcs11: URI pin-source must be a file: URI or an absolute path');
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch (err) {
      throw fsError(err, file);
    }
    if (!st.isFile() || st.size > MAX_PIN_FILE) throw new ModelsealError('USAGE_ERROR', 'is not a PIN file (a regular file of at most 1 KiB)', { file });
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  }
  const fromEnv = env[PIN_ENV];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

function modulePath(uri: Pkcs11Uri, env: NodeJS.ProcessEnv): string {
  const given = uri.query['module-path'] ?? env[MODULE_ENV];
  if (given === undefined) {
    const name = uri.query['module-name'] !== undefined ? ` (module-name=${JSON.stringify(uri.query['module-name'])} is not searched for)` : '';
    throw new ModelsealError('PKCS11_MODULE_INVALID', `the pkcs11: URI needs module-path=/absolute/path/to/module.so, or set ${MODULE_ENV}${name}`);
  }
  // A bare name would be looked up on the loader's search path: never guess which library runs.
  if (!path.isAbsolute(given)) throw new ModelsealError('PKCS11_MODULE_INVALID', 'the PKCS#11 module-path must be absolute', { file: given });
  let st: fs.Stats;
  try {
    st = fs.statSync(given);
  } catch {
    throw new ModelsealError('PKCS11_MODULE_INVALID', 'no such PKCS#11 module', { file: given });
  }
  if (!st.isFile()) throw new ModelsealError('PKCS11_MODULE_INVALID', 'is not a PKCS#11 module (not a regular file)', { file: given });
  return given;
}

/** An open, logged-in (when a PIN is given or needed) session on the one token the URI names. */
export interface TokenSession {
  readonly p11: Pkcs11;
  readonly pk: Pkcs11Module;
  readonly session: Handle;
  readonly tokenLabel: string;
  close(): void;
}

function matchesToken(p11: Pkcs11, slot: Handle, uri: Pkcs11Uri): boolean {
  const t = p11.C_GetTokenInfo(slot);
  const s = p11.C_GetSlotInfo(slot);
  const want = uri.path;
  const checks: Array<[string | undefined, string]> = [
    [want.token, t.label],
    [want.manufacturer, t.manufacturerID],
    [want.serial, t.serialNumber],
    [want.model, t.model],
    [want['slot-description'], s.slotDescription],
    [want['slot-manufacturer'], s.manufacturerID],
  ];
  if (want['slot-id'] !== undefined) {
    // CK_SLOT_ID is a CK_ULONG: 8 bytes on LP64, 4 elsewhere.
    const id = slot.length >= 8 ? slot.readBigUInt64LE(0) : BigInt(slot.readUInt32LE(0));
    if (BigInt(want['slot-id']) !== id) return false;
  }
  if ((t.flags & CKF_TOKEN_INITIALIZED) === 0) return false;
  return checks.every(([w, have]) => w === undefined || w === trimPadded(have));
}

function matchesLibrary(p11: Pkcs11, uri: Pkcs11Uri): boolean {
  const info = p11.C_GetInfo();
  const want = uri.path;
  if (want['library-manufacturer'] !== undefined && want['library-manufacturer'] !== trimPadded(info.manufacturerID)) return false;
  if (want['library-description'] !== undefined && want['library-description'] !== trimPadded(info.libraryDescription)) return false;
  if (want['library-version'] !== undefined) {
    const [major, minor = '0'] = want['library-version'].split('.');
    if (Number(major) !== info.libraryVersion.major || Number(minor) !== info.libraryVersion.minor) return false;
  }
  return true;
}

/**
 * Loads the module, finds the one token matching the URI's token attributes and opens a
 * session; logs in with the PIN when one is given, or when `login` is 'required'.
 */
export function openTokenSession(uri: Pkcs11Uri, options: { login: 'required' | 'if-pin'; readWrite?: boolean; env?: NodeJS.ProcessEnv }): TokenSession {
  const env = options.env ?? process.env;
  const file = modulePath(uri, env);
  const pk = pkcs11Binding();
  const p11 = new pk.PKCS11();
  try {
    p11.load(file);
  } catch (err) {
    throw new ModelsealError('PKCS11_MODULE_INVALID', 'is not a PKCS#11 module (it does not load or has no C_GetFunctionList)', { file, cause: err });
  }
  let initialized = false;
  const close = () => {
    try {
      if (initialized) p11.C_Finalize();
    } catch {
      // finalizing is best effort
    }
    try {
      p11.close();
    } catch {
      // unloading is best effort
    }
  };
  try {
    try {
      p11.C_Initialize();
      initialized = true;
    } catch (err) {
      throw tokenError(err, 'module initialisation', 'PKCS11_MODULE_INVALID');
    }
    const slots = matchesLibrary(p11, uri) ? p11.C_GetSlotList(true).filter((slot) => matchesToken(p11, slot, uri)) : [];
    const described = uri.path.token !== undefined ? `token ${JSON.stringify(uri.path.token)}` : 'the token attributes given';
    if (slots.length === 0) throw new ModelsealError('TOKEN_NOT_FOUND', `no initialised PKCS#11 token matches ${described}`, { file });
    if (slots.length > 1) throw new ModelsealError('TOKEN_NOT_FOUND', `${slots.length} PKCS#11 tokens match ${described}; add serial= or slot-id= to name one`, { file });
    const slot = slots[0];
    const tokenLabel = trimPadded(p11.C_GetTokenInfo(slot).label);
    const flags = pk.CKF_SERIAL_SESSION | (options.readWrite ? pk.CKF_RW_SESSION : 0);
    let session: Handle;
    try {
      session = p11.C_OpenSession(slot, flags);
    } catch (err) {
      throw tokenError(err, 'opening a session');
    }
    const pin = resolvePin(uri, env);
    const needsLogin = options.login === 'required' || pin !== undefined;
    if (needsLogin) {
      if (pin === undefined) {
        throw new ModelsealError('TOKEN_PIN_WRONG', `the token ${JSON.stringify(tokenLabel)} needs a PIN: give pin-source=, pin-value= or ${PIN_ENV}`);
      }
      try {
        p11.C_Login(session, pk.CKU_USER, pin);
      } catch (err) {
        if (!/CKR_USER_ALREADY_LOGGED_IN/.test(String((err as Error)?.message))) throw tokenError(err, 'login');
      }
    }
    return { p11, pk, session, tokenLabel, close };
  } catch (err) {
    close();
    throw err;
  }
}

/** The key objects of `klass` (CKO_PRIVATE_KEY / CKO_PUBLIC_KEY) matching the URI's object label and id. */
export function findKeyObjects(t: TokenSession, uri: Pkcs11Uri, klass: number): Handle[] {
  const { p11, pk, session } = t;
  const template: Array<{ type: number; value: number | Buffer | string }> = [{ type: pk.CKA_CLASS, value: klass }];
  if (uri.path.object !== undefined) template.push({ type: pk.CKA_LABEL, value: Buffer.from(uri.path.object, 'utf8') });
  if (uri.id !== undefined) template.push({ type: pk.CKA_ID, value: uri.id });
  try {
    p11.C_FindObjectsInit(session, template);
    const found = p11.C_FindObjects(session, 16);
    p11.C_FindObjectsFinal(session);
    return found;
  } catch (err) {
    throw tokenError(err, 'object search');
  }
}
