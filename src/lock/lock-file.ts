import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { parseJson, readBoundedFile } from '../envelope/read-json';
import { parsePublicKey } from '../keys/load';
import { describeSchemaError, schemaValidator } from '../policy/schema';
import { writeFileAtomic } from '../util/atomic-write';
import { LOCKFILE_VERSION, type LockEntry, type LockFile, type LockSigner } from './lock-types';

const MAX_LOCK_BYTES = 16 * 1024 * 1024;

/** The one certificate of a pinned CA root (a PEM holding anything else is refused). */
export function parsePinnedRoot(pem: string, file: string): X509Certificate {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1 || pem.trim() !== blocks[0]) throw invalid(file, 'a pinned CA root must be exactly one PEM certificate');
  try {
    return new X509Certificate(blocks[0]);
  } catch (err) {
    throw invalid(file, `a pinned CA root is not a readable certificate: ${(err as Error).message}`);
  }
}

function invalid(file: string, message: string): ModelsealError {
  return new ModelsealError('LOCK_INVALID', message, { file });
}

/** Parses lock file text, validates it against schemas/lock.schema.json and checks each pinned key against its hint. */
export function parseLockFile(text: string, file: string): LockFile {
  const raw = parseJson(text, file, 'LOCK_INVALID', 'the lock file');
  const validate = schemaValidator('lock.schema.json');
  if (!validate(raw)) throw invalid(file, describeSchemaError(validate.errors));
  const artifacts = new Map<string, LockEntry>();
  for (const [name, entry] of Object.entries((raw as { artifacts: Record<string, LockEntry> }).artifacts)) {
    if (entry.serialization.method === 'shards' && entry.serialization.shardSize === undefined) {
      throw invalid(file, `/artifacts/${name}/serialization: shards need a shardSize`);
    }
    for (const s of entry.signers) {
      if (s.method === 'certificate') {
        const root = parsePinnedRoot(s.root, file);
        if (root.fingerprint256.replace(/:/g, '').toLowerCase() !== s.rootFingerprint) {
          throw invalid(file, `/artifacts/${name}/signers: the pinned CA root does not match its rootFingerprint`);
        }
        continue;
      }
      if (s.method !== 'key') continue;
      const key = parsePublicKey(s.publicKey, file);
      if (key.hint !== s.keyHint || key.type !== s.keyType) {
        throw invalid(file, `/artifacts/${name}/signers: the pinned public key does not match its keyHint/keyType`);
      }
    }
    artifacts.set(name, entry);
  }
  return { file: path.resolve(file), artifacts };
}

/** Reads a lock file; a missing file is an empty lock only when `allowMissing` (for `lock add`). */
export function readLockFile(file: string, options: { allowMissing?: boolean } = {}): LockFile {
  if (options.allowMissing && !fs.existsSync(file)) return { file: path.resolve(file), artifacts: new Map() };
  const bytes = readBoundedFile(file, MAX_LOCK_BYTES, { tooLarge: 'LOCK_INVALID' });
  return parseLockFile(bytes.toString('utf8'), file);
}

/** Code-point order, so the file does not depend on the locale. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function orderedSigner(s: LockSigner): LockSigner {
  if (s.method === 'key') return { method: 'key', keyType: s.keyType, keyHint: s.keyHint, publicKey: s.publicKey };
  if (s.method === 'certificate') return { method: 'certificate', subject: s.subject, rootFingerprint: s.rootFingerprint, root: s.root };
  return { method: 'sigstore', identity: s.identity, issuer: s.issuer };
}

function orderedEntry(e: LockEntry): LockEntry {
  const s = e.serialization;
  return {
    kind: e.kind,
    path: e.path,
    ...(e.signature !== undefined ? { signature: e.signature } : {}),
    digest: { sha256: e.digest.sha256 },
    serialization: { method: s.method, hashType: s.hashType, ...(s.shardSize !== undefined ? { shardSize: s.shardSize } : {}) },
    signers: e.signers.map(orderedSigner),
  };
}

/** The lock file text: fixed key order, artifacts sorted by name, two-space indent, final newline. */
export function serializeLockFile(lock: Pick<LockFile, 'artifacts'>): string {
  const artifacts: Record<string, LockEntry> = {};
  for (const name of [...lock.artifacts.keys()].sort(byName)) artifacts[name] = orderedEntry(lock.artifacts.get(name) as LockEntry);
  return JSON.stringify({ lockfileVersion: LOCKFILE_VERSION, artifacts }, null, 2) + '\n';
}

export function writeLockFile(lock: LockFile): void {
  writeFileAtomic(lock.file, serializeLockFile(lock), { force: true });
}

/** An entry path (relative to the lock's folder) resolved to an absolute path. */
export function resolveLockPath(lock: Pick<LockFile, 'file'>, rel: string): string {
  return path.resolve(path.dirname(lock.file), ...rel.split('/'));
}

/** An absolute path expressed relative to the lock's folder, with POSIX separators. */
export function relativeToLock(lock: Pick<LockFile, 'file'>, abs: string): string {
  const rel = path.relative(path.dirname(lock.file), path.resolve(abs));
  return (rel === '' ? '.' : rel).split(path.sep).join('/');
}
