/**
 * Entry point of a walking thread. As a helper (walk-helpers.ts): claims folders of the
 * shared list and walks each, and everything under it, with walk.ts's walkDirectory;
 * answers once on its port and flags the answer so the waiting thread can take it
 * synchronously. As a walk ahead (walk-ahead.ts): walks the whole tree with walk.ts's
 * walkTree (helpers of its own included) and answers on its parent port.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from './hash-messages';
import { walkDirectory, walkState, walkTree } from './walk';
import { claimFolder, HELPER_DONE, HELPER_STARTED, HELPER_WAITING, PackedFiles, type HelperAnswer, type HelperData, type WalkAheadData } from './walk-helpers';

function walkAsHelper(data: HelperData): void {
  const flag = new Int32Array(data.flag);
  const signal = (value: number) => {
    Atomics.store(flag, 0, value);
    Atomics.notify(flag, 0);
  };
  // Unless the waiting thread gave up on this one before it started (then nothing is claimed).
  if (Atomics.compareExchange(flag, 0, HELPER_WAITING, HELPER_STARTED) !== HELPER_WAITING) return;
  // However this thread ends, the waiting thread wakes (and finds no answer if none was sent).
  process.on('exit', () => signal(HELPER_DONE));
  const next = new Int32Array(data.next);
  let reply: { answer: HelperAnswer; transfer: ArrayBuffer[] };
  try {
    const state = walkState(data.root, { ignores: new Set(data.ignores), allowSymlinks: data.allowSymlinks });
    const packed = new PackedFiles(data.stampFolders);
    const pending: string[] = [];
    for (let dir = claimFolder(data.dirs, next); dir !== undefined; dir = pending.pop() ?? claimFolder(data.dirs, next)) {
      walkDirectory(state, dir, pending, packed);
    }
    reply = packed.answer();
  } catch (err) {
    Atomics.store(next, 0, data.dirs.length); // the walk fails: nobody needs to claim more
    reply = { answer: { error: serializeError(err) }, transfer: [] };
  }
  data.port.postMessage(reply.answer, reply.transfer);
  data.port.close(); // the answer stays receivable; with the port closed this thread ends
  signal(HELPER_DONE);
}

function walkAhead(data: WalkAheadData): void {
  let reply: { answer: HelperAnswer; transfer: ArrayBuffer[] };
  try {
    const packed = new PackedFiles(true);
    walkTree(walkState(data.root, { ignores: new Set(data.ignores), allowSymlinks: data.allowSymlinks }), packed, data.helpers);
    reply = packed.answer();
  } catch (err) {
    reply = { answer: { error: serializeError(err) }, transfer: [] };
  }
  parentPort?.postMessage(reply.answer, reply.transfer);
}

const data = workerData as HelperData | WalkAheadData;
if ('ahead' in data) walkAhead(data);
else walkAsHelper(data);
