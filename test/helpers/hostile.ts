import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError, type ErrorCode } from '../../src/errors';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../../src/envelope/dsse';
import { BUNDLE_MEDIA_TYPE } from '../../src/envelope/bundle';
import { generateKeyPair } from '../../src/keys/generate';
import { parsePrivateKey } from '../../src/keys/load';
import type { KeyType, PrivateKeyInfo } from '../../src/keys/key-types';
import { signBytes } from '../../src/keys/signature-algorithm';
import { computeManifest } from '../../src/digest/manifest';
import { buildOmsStatement } from '../../src/statement/oms';
import { cli, type CliResult } from './cli';
import { snapshotTree } from './tmp';

/**
 * One hostile case of the matrix. The id (T-01, M-03, ...) is the row of the table in
 * docs/security.md; test/hostile/catalog.test.ts checks that both lists agree.
 */
export function hostile(id: string, title: string, fn: () => unknown, timeout?: number): void {
  it(`${id} ${title}`, fn as () => Promise<void>, timeout);
}

/** The CLI refused with exactly this code and exit status, on one stderr line, no stack trace. */
export function expectCliRefusal(r: CliResult, code: ErrorCode, exit: number): void {
  const lines = r.stderr.trim().split('\n');
  const got = { status: r.status, code: /\[([A-Z_]+)\]$/.exec(lines[lines.length - 1])?.[1], lines: lines.length };
  expect(got).toEqual({ status: exit, code, lines: 1 });
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

/** The library call threw a ModelsealError with this code and exit status, and nothing else. */
export async function expectCode(fn: () => unknown, code: ErrorCode, exit: number): Promise<ModelsealError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof ModelsealError)) {
    throw new Error(`expected ModelsealError ${code}, got ${caught === undefined ? 'success' : String((caught as Error)?.stack ?? caught)}`);
  }
  expect({ code: caught.code, exit: caught.exitCode }).toEqual({ code, exit });
  return caught;
}

/**
 * Runs a CLI command on an artifact and asserts the tree is byte-for-byte, mode- and
 * mtime-identical afterwards, except for the listed files (the signature `sign` writes).
 */
export function cliOnTree(root: string, args: string[], options: { allowChanged?: string[]; honourFileModes?: boolean; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const before = snapshotTree(root);
  const r = cli(args, { honourFileModes: options.honourFileModes, env: options.env });
  const after = snapshotTree(root);
  for (const name of options.allowChanged ?? []) {
    delete before[name];
    delete after[name];
  }
  expect(after).toEqual(before);
  return r;
}

export interface TestKey {
  info: PrivateKeyInfo;
  privatePath: string;
  publicPath: string;
}

/** A real key pair written to `dir` as PREFIX.key / PREFIX.pub. */
export function makeKey(dir: string, prefix: string, type: KeyType = 'ed25519', passphrase?: string): TestKey {
  const pair = generateKeyPair(type, passphrase);
  const privatePath = path.join(dir, `${prefix}.key`);
  const publicPath = path.join(dir, `${prefix}.pub`);
  fs.writeFileSync(privatePath, pair.privatePem, { mode: 0o600 });
  fs.writeFileSync(publicPath, pair.publicKey.pem);
  return { info: parsePrivateKey(pair.privatePem, passphrase), privatePath, publicPath };
}

/** Serializes a value as the signed payload; strings and buffers are taken as the exact bytes. */
export function payloadBytes(payload: unknown): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  return Buffer.from(JSON.stringify(payload, null, 2), 'utf8');
}

export interface BundleParts {
  payloadType?: string;
  hint?: string;
  /** Base64 flavour of payload and sig (the DSSE spec allows both). */
  base64?: 'base64' | 'base64url';
}

/** A key bundle with a REAL signature by `key` over any payload, so checks past the signature are exercised. */
export function bundleObject(payload: unknown, key: PrivateKeyInfo, parts: BundleParts = {}): Record<string, any> {
  const bytes = payloadBytes(payload);
  const payloadType = parts.payloadType ?? IN_TOTO_PAYLOAD_TYPE;
  const sig = signBytes(key.type, key.key, preAuthEncoding(payloadType, bytes));
  const enc = parts.base64 ?? 'base64';
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: parts.hint ?? key.publicKey.hint }, tlogEntries: [] },
    dsseEnvelope: { payload: bytes.toString(enc), payloadType, signatures: [{ sig: sig.toString(enc), keyid: '' }] },
  };
}

export function writeBundle(file: string, payload: unknown, key: PrivateKeyInfo, parts: BundleParts = {}): string {
  fs.writeFileSync(file, JSON.stringify(bundleObject(payload, key, parts)));
  return file;
}

/** The honest OMS statement for a tree, as a plain object to be made hostile. */
export async function statementFor(root: string, options: Parameters<typeof computeManifest>[1] = {}): Promise<any> {
  const manifest = await computeManifest(root, options);
  return JSON.parse(JSON.stringify(buildOmsStatement(manifest, path.basename(root))));
}
