/**
 * Entry point of a walking thread (walk-helpers.ts): claims folders of the shared list
 * and walks each, and everything under it, with walk.ts's walkDirectory; answers once on
 * its port and flags the answer so the waiting thread can take it synchronously.
 */
import { workerData } from 'node:worker_threads';
import { serializeError } from './hash-messages';
import { walkDirectory, walkState, type WalkSink } from './walk';
import { claimFolder, HELPER_DONE, HELPER_STARTED, HELPER_WAITING, type HelperAnswer, type HelperData } from './walk-helpers';

const data = workerData as HelperData;
const flag = new Int32Array(data.flag);
const signal = (value: number) => {
  Atomics.store(flag, 0, value);
  Atomics.notify(flag, 0);
};

// Unless the waiting thread gave up on this one before it started (then nothing is claimed).
if (Atomics.compareExchange(flag, 0, HELPER_WAITING, HELPER_STARTED) === HELPER_WAITING) {
  // However this thread ends, the waiting thread wakes (and finds no answer if none was sent).
  process.on('exit', () => signal(HELPER_DONE));
  const next = new Int32Array(data.next);
  const transfer: ArrayBuffer[] = [];
  let answer: HelperAnswer;
  try {
    const state = walkState(data.root, { ignores: new Set(data.ignores), allowSymlinks: data.allowSymlinks });
    // Names as NUL-ended UTF-8 in one growing buffer (moved, not copied, to the waiting
    // thread): no string per file stays alive on this thread, nor a joined copy on that one.
    let names = Buffer.allocUnsafe(1 << 20);
    let used = 0;
    let sizes = new Float64Array(1 << 14);
    let count = 0;
    const links: Array<[number, string]> = [];
    const sink: WalkSink = {
      file(name, size) {
        const need = used + Buffer.byteLength(name) + 1;
        if (need > names.length) names = Buffer.concat([names.subarray(0, used)], Math.max(need, names.length * 2));
        used += names.write(name, used);
        names[used++] = 0;
        if (count === sizes.length) {
          const grown = new Float64Array(sizes.length * 2);
          grown.set(sizes);
          sizes = grown;
        }
        sizes[count++] = size;
      },
      link(name, file, size) {
        links.push([count, file]);
        sink.file(name, size);
      },
    };
    const pending: string[] = [];
    for (let dir = claimFolder(data.dirs, next); dir !== undefined; dir = pending.pop() ?? claimFolder(data.dirs, next)) {
      walkDirectory(state, dir, pending, sink);
    }
    const packedNames = new Uint8Array(used);
    packedNames.set(names.subarray(0, used));
    const packedSizes = sizes.slice(0, count);
    transfer.push(packedNames.buffer, packedSizes.buffer);
    answer = { names: packedNames, sizes: packedSizes, links };
  } catch (err) {
    Atomics.store(next, 0, data.dirs.length); // the walk fails: nobody needs to claim more
    answer = { error: serializeError(err) };
  }
  data.port.postMessage(answer, transfer);
  data.port.close(); // the answer stays receivable; with the port closed this thread ends
  signal(HELPER_DONE);
}
