import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { ModelsealError, fsError } from '../errors';
import { parseJson } from '../envelope/read-json';
import { writeFileAtomic } from '../util/atomic-write';

export const STATE_FILE = 'state.json';
export const STATE_FORMAT = 'modelseal.dev/gate-state/v1';
/** The history keeps the newest accepted records (all channels), for audit. */
export const MAX_HISTORY = 1000;
/** Test hook: pause after the new state is written and fsynced, before the rename. */
export const PAUSE_ENV = 'MODELSEAL_TEST_PAUSE_BEFORE_RENAME';

export interface ChannelState {
  version: number;
  /** `sha256:<hex>` of the accepted record's signed payload (the statement bytes). */
  recordDigest: string;
  expires: string;
  acceptedAt: string;
}

export interface HistoryEntry extends ChannelState {
  seq: number;
  channel: string;
}

export interface GateState {
  format: typeof STATE_FORMAT;
  channels: Record<string, ChannelState>;
  history: HistoryEntry[];
}

export function emptyState(): GateState {
  return { format: STATE_FORMAT, channels: {}, history: [] };
}

function corrupt(file: string, why: string): ModelsealError {
  return new ModelsealError('STATE_CORRUPT', `gate state is corrupt (${why}); it is never reset silently: restore it from a backup, or move it aside and re-run with --init`, { file });
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z$/;

function checkEntry(v: unknown, where: string, file: string): ChannelState {
  if (!isObj(v)) throw corrupt(file, `${where} is not an object`);
  if (!Number.isSafeInteger(v.version) || (v.version as number) < 1) throw corrupt(file, `${where}.version is not a positive integer`);
  if (typeof v.recordDigest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(v.recordDigest)) throw corrupt(file, `${where}.recordDigest is malformed`);
  if (typeof v.expires !== 'string' || !TIME.test(v.expires)) throw corrupt(file, `${where}.expires is malformed`);
  if (typeof v.acceptedAt !== 'string' || !TIME.test(v.acceptedAt)) throw corrupt(file, `${where}.acceptedAt is malformed`);
  return { version: v.version as number, recordDigest: v.recordDigest, expires: v.expires, acceptedAt: v.acceptedAt };
}

/** Reads and validates the state; null when there is none yet. */
export function readState(dir: string): GateState | null {
  const file = path.join(dir, STATE_FILE);
  let text: Buffer;
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile()) throw corrupt(file, 'not a regular file');
    // Bytes, not a decoded string: the strict reader must see invalid UTF-8 to refuse it.
    text = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fsError(err, file);
  }
  let raw: unknown;
  try {
    raw = parseJson(text, file, 'STATE_CORRUPT', 'the gate state');
  } catch (err) {
    throw corrupt(file, (err as Error).message.replace(`${file}: `, ''));
  }
  if (!isObj(raw) || raw.format !== STATE_FORMAT) throw corrupt(file, `format is not ${STATE_FORMAT}`);
  if (!isObj(raw.channels) || !Array.isArray(raw.history)) throw corrupt(file, 'channels or history missing');
  const channels: Record<string, ChannelState> = {};
  for (const [name, v] of Object.entries(raw.channels)) channels[name] = checkEntry(v, `channels.${name}`, file);
  const history = raw.history.map((h, i) => {
    const e = checkEntry(h, `history[${i}]`, file);
    if (!isObj(h) || !Number.isSafeInteger(h.seq) || typeof h.channel !== 'string') throw corrupt(file, `history[${i}] lacks seq or channel`);
    return { seq: h.seq as number, channel: h.channel, ...e };
  });
  return { format: STATE_FORMAT, channels, history };
}

function pauseHook(): ((tmp: string) => void) | undefined {
  const dir = process.env[PAUSE_ENV];
  if (!dir) return undefined;
  return (tmp) => {
    fs.writeFileSync(path.join(dir, `paused.${process.pid}`), tmp);
    const resume = path.join(dir, 'resume');
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(resume) && Date.now() < deadline) Atomics.wait(cell, 0, 0, 20);
  };
}

/** Writes the state crash-safely: temp file, fsync, rename, fsync of the folder. Call under the lock. */
export function writeState(dir: string, state: GateState, assertLockHeld: () => void): void {
  const file = path.join(dir, STATE_FILE);
  // Temp files of a writer that crashed before its rename are garbage: the rename never happened.
  for (const name of fs.readdirSync(dir)) if (name.startsWith(`.${STATE_FILE}.`) && name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true });
  const pause = pauseHook();
  writeFileAtomic(file, JSON.stringify(state, null, 2) + '\n', {
    force: true,
    mode: 0o600,
    beforeRename: (tmp) => {
      pause?.(tmp);
      assertLockHeld();
    },
  });
}

/**
 * Runs `fn` holding the state folder's lock (proper-lockfile: a lock directory whose
 * mtime is refreshed; a lock left by a killed process goes stale after `staleMs`).
 */
export async function withStateLock<T>(dir: string, staleMs: number, fn: (assertLockHeld: () => void) => Promise<T> | T): Promise<T> {
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(path.join(dir, STATE_FILE), {
      realpath: false,
      lockfilePath: path.join(dir, `${STATE_FILE}.lock`),
      stale: staleMs,
      retries: { retries: 200, minTimeout: 25, maxTimeout: 250, factor: 1.3 },
      onCompromised: (err) => {
        compromised = err;
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new ModelsealError('STATE_LOCKED', 'another gate holds the state lock; try again', { file: dir, cause: err });
    }
    throw fsError(err, dir);
  }
  const assertLockHeld = () => {
    if (compromised) throw new ModelsealError('STATE_LOCKED', `lost the state lock (${compromised.message}); nothing was recorded`, { file: dir });
  };
  try {
    return await fn(assertLockHeld);
  } finally {
    await release().catch(() => undefined);
  }
}
