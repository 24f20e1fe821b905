import * as os from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { ModelsealError } from '../errors';
import { deserializeError, type SerializedError } from './hash-messages';
import type { WalkSink, WalkState } from './walk';
import { workerEntry } from './worker-entry';

/**
 * Threads that walk part of a large tree beside the main one. A million-file dataset
 * spends seconds in one `lstat` per file on one core while the other cores wait for the
 * hashing, which must not start before every name is known (names before bytes). Once
 * the main walk has seen HELP_AFTER_FILES files with folders still to walk, those folders
 * become a shared list: every walking thread (this one and up to MAX_HELPERS started from
 * walk-worker.ts) claims the next folder with an atomic counter, walks it and everything
 * under it with walk.ts's walkDirectory, and claims again, so the threads finish together.
 *
 * The walk stays synchronous for its callers: the main thread walks what it claims, then
 * waits on each helper's flag (Atomics.wait) and takes its answer, the names and sizes it
 * found, with receiveMessageOnPort. A helper that has not started by then is abandoned
 * (it has claimed nothing); one that failed reports its error (same code, same file).
 */
export const HELP_AFTER_FILES = 20_000;
const MAX_HELPERS = 3;

export const HELPER_WAITING = 0;
export const HELPER_STARTED = 1;
export const HELPER_DONE = 2;
export const HELPER_ABANDONED = 3;

/** What a helper is given (workerData). */
export interface HelperData {
  root: string;
  ignores: string[];
  allowSymlinks: boolean;
  /** The shared folder list and its claim counter (one Int32). */
  dirs: string[];
  next: SharedArrayBuffer;
  port: MessagePort;
  /** One Int32: HELPER_WAITING, _STARTED, _DONE or _ABANDONED. */
  flag: SharedArrayBuffer;
  /** Whether to answer the stamps of the folders walked too (a walk ahead's helpers). */
  stampFolders: boolean;
}

/** What a walk ahead is given (workerData; walk-ahead.ts). */
export interface WalkAheadData {
  ahead: true;
  root: string;
  ignores: string[];
  allowSymlinks: boolean;
  /** Its own helpers (walk.ts's WalkOptions). */
  helpers?: { threads?: number; after?: number };
}

/** What a helper answers: the files it found (chunks of NUL-ended UTF-8 names and of sizes, and the hashed paths of links), or its error. */
export type HelperAnswer = { names: Uint8Array[]; sizes: Float64Array[]; links: Array<[number, string]>; folders: Array<[string, string]> } | { error: SerializedError };

/** Bytes per chunk of names, entries per chunk of sizes. */
const NAME_CHUNK = 1 << 20;
const SIZE_CHUNK = 1 << 16;

/**
 * What a walking thread found, in chunks moved (not copied) to the thread that asked:
 * names as NUL-ended UTF-8 (no string per file stays alive on the walking thread), sizes
 * as doubles. Chunks are never grown or joined, so no copy of the list is ever made.
 */
export class PackedFiles implements WalkSink {
  private readonly names: Uint8Array[] = [];
  private readonly sizes: Float64Array[] = [];
  private chunk = Buffer.alloc(0);
  private used = 0;
  private count = 0;
  private readonly links: Array<[number, string]> = [];
  private readonly folders: Array<[string, string]> = [];
  readonly folder?: (relDir: string, stamp: string) => void;

  constructor(stampFolders = false) {
    if (stampFolders) this.folder = (relDir, stamp) => this.folders.push([relDir, stamp]);
  }

  file(name: string, size: number): void {
    const need = Buffer.byteLength(name) + 1;
    if (this.used + need > this.chunk.length) this.newChunk(need);
    this.used += this.chunk.write(name, this.used);
    this.chunk[this.used++] = 0;
    const at = this.count % SIZE_CHUNK;
    if (at === 0) this.sizes.push(new Float64Array(SIZE_CHUNK));
    this.sizes[this.sizes.length - 1][at] = size;
    this.count++;
  }

  link(name: string, file: string, size: number): void {
    this.links.push([this.count, file]);
    this.file(name, size);
  }

  /** The answer, and the buffers to transfer with it. */
  answer(): { answer: HelperAnswer; transfer: ArrayBuffer[] } {
    this.newChunk(0);
    const last = this.sizes.length - 1;
    if (last >= 0 && this.count % SIZE_CHUNK !== 0) this.sizes[last] = this.sizes[last].subarray(0, this.count % SIZE_CHUNK);
    const transfer = [...this.names, ...this.sizes].map((a) => a.buffer as ArrayBuffer);
    return { answer: { names: this.names, sizes: this.sizes, links: this.links, folders: this.folders }, transfer };
  }

  /** Ends the current chunk (its used part is the answer's) and starts one with room for `need` bytes. */
  private newChunk(need: number): void {
    if (this.used > 0) this.names.push(new Uint8Array(this.chunk.buffer, this.chunk.byteOffset, this.used));
    // Its own ArrayBuffer (never Buffer's shared pool): it is transferred.
    this.chunk = need > 0 ? Buffer.from(new ArrayBuffer(Math.max(NAME_CHUNK, need))) : Buffer.alloc(0);
    this.used = 0;
  }
}

/** Gives the files of a walking thread's answer to `sink`, in the order found. */
export function unpackFiles(answer: Exclude<HelperAnswer, { error: SerializedError }>, sink: WalkSink): void {
  if (sink.folder) for (const [relDir, stamp] of answer.folders) sink.folder(relDir, stamp);
  const links = new Map(answer.links);
  let k = 0;
  for (const chunk of answer.names) {
    const names = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    for (let start = 0; start < names.length; k++) {
      const end = names.indexOf(0, start);
      const name = names.toString('utf8', start, end);
      start = end + 1;
      const size = answer.sizes[Math.floor(k / SIZE_CHUNK)][k % SIZE_CHUNK];
      const file = links.get(k);
      if (file === undefined) sink.file(name, size);
      else sink.link(name, file, size);
    }
  }
}

/** The next folder of the shared list, or undefined once all are claimed. */
export function claimFolder(dirs: readonly string[], next: Int32Array): string | undefined {
  const i = Atomics.add(next, 0, 1);
  return i < dirs.length ? dirs[i] : undefined;
}

interface Helper {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}

export interface WalkHelpers {
  /** A folder for this thread to walk, or undefined when every folder is claimed. */
  claim(): string | undefined;
  /** Waits for every helper and gives what they found to `sink`. */
  join(sink: WalkSink): void;
  /** Ends the helpers (after join, or when this thread's walk failed). */
  stop(): void;
  /** Settles once every helper thread has ended (each ends after its answer): lets a test wait for the helpers to do the walking. */
  ended: Promise<void>;
}

/** Helpers for `threads` threads in all (the hashing thread count; default one per core). */
function helperCount(threads: number | undefined): number {
  return Math.max(0, Math.min(MAX_HELPERS, (threads ?? os.availableParallelism()) - 1));
}

/** Moves `pending` (emptied in place) to a list shared with helper threads; this thread claims from it too. */
export function startWalkHelpers(state: WalkState, pending: string[], threads: number | undefined, stampFolders = false): WalkHelpers {
  const dirs = pending.splice(0, pending.length);
  const next = new Int32Array(new SharedArrayBuffer(4));
  const count = helperCount(threads);
  const entry = count > 0 ? workerEntry('walk-worker') : null;
  const helpers: Helper[] = [];
  const exits: Array<Promise<void>> = [];
  const ignores = [...state.ignores];
  for (let i = 0; entry && i < count; i++) {
    const { port1, port2 } = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    const data: HelperData = { root: state.root, ignores, allowSymlinks: state.allowSymlinks, dirs, next: next.buffer as SharedArrayBuffer, port: port2, flag, stampFolders };
    try {
      // A small young generation: the walk makes short-lived strings only, and each MiB of it is a MiB per helper.
      const worker = new Worker(entry.filename, { eval: entry.eval, workerData: data, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: 4 } });
      worker.unref();
      exits.push(new Promise((resolve) => worker.once('exit', () => resolve())));
      helpers.push({ worker, port: port1, flag: new Int32Array(flag) });
    } catch {
      port1.close(); // this thread walks the folders alone
    }
  }
  return {
    ended: Promise.all(exits).then(() => undefined),
    claim: () => claimFolder(dirs, next),
    join(sink) {
      for (const h of helpers) {
        if (Atomics.compareExchange(h.flag, 0, HELPER_WAITING, HELPER_ABANDONED) === HELPER_WAITING) continue;
        while (Atomics.load(h.flag, 0) === HELPER_STARTED) Atomics.wait(h.flag, 0, HELPER_STARTED);
        const answer = receiveMessageOnPort(h.port)?.message as HelperAnswer | undefined;
        if (!answer) throw new ModelsealError('INTERNAL_ERROR', 'a walking thread stopped without an answer');
        if ('error' in answer) throw deserializeError(answer.error);
        unpackFiles(answer, sink);
      }
    },
    stop() {
      Atomics.store(next, 0, dirs.length); // nothing more to claim
      for (const h of helpers) {
        h.port.close();
        h.worker.terminate().catch(() => undefined);
      }
    },
  };
}
