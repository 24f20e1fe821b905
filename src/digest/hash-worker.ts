/**
 * Entry point of a hashing thread (worker_threads). Runs the batches it is sent one
 * after another with one set of read buffers, so memory per thread is fixed and at
 * most one file (one fd) per thread is open at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { allocateBuffers, isSyncJob, JobCancelled, runJob, runJobSync, type JobContext, type JobResult } from './hash-job';
import { packResults, serializeError, unpackJobs, type BatchMessage, type WorkerMessage } from './hash-messages';

/** Large files report progress every this many bytes; small ones report with their batch. */
const PROGRESS_EVERY = 16 * 1024 * 1024;

const port = parentPort;
if (!port) throw new Error('hash-worker must run in a worker thread');
const cancel = new Int32Array(workerData.cancel as SharedArrayBuffer);
const buffers = allocateBuffers();
const send = (m: WorkerMessage) => port.postMessage(m);

async function runBatch(msg: BatchMessage): Promise<void> {
  let unreported = 0;
  const ctx: JobContext = {
    algorithm: msg.algorithm,
    buffers,
    cancelled: () => Atomics.load(cancel, 0) !== 0,
    readAhead: workerData.readAhead === true,
    onBytes: (n) => {
      unreported += n;
      if (msg.progress && unreported >= PROGRESS_EVERY) {
        send({ type: 'progress', bytes: unreported });
        unreported = 0;
      }
    },
  };
  const results: JobResult[] = [];
  try {
    for (const job of unpackJobs(msg.jobs)) results.push(isSyncJob(job, ctx) ? runJobSync(job, ctx) : await runJob(job, ctx));
    send({ type: 'done', id: msg.id, results: packResults(results), bytes: unreported });
  } catch (err) {
    send(err instanceof JobCancelled ? { type: 'cancelled', id: msg.id } : { type: 'error', id: msg.id, error: serializeError(err) });
  }
}

// Batches may arrive while one is running (the coordinator keeps two queued); run them in order.
let queue = Promise.resolve();
port.on('message', (msg: BatchMessage) => {
  queue = queue.then(() => runBatch(msg));
});
