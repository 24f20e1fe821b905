import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { ModelsealError } from '../errors';
import type { HashAlgorithm } from './algorithms';
import { allocateBuffers, isSyncJob, runJob, runJobSync, type JobContext, type JobResult } from './hash-job';
import { deserializeError, packResults, type BatchMessage, type PackedResults, type WorkerMessage } from './hash-messages';
import type { HashPlan } from './hash-plan';
import type { WorkerEntry } from './worker-entry';

/** Receives results as they arrive, in any order; may throw to stop the run. */
export interface ResultSink {
  onBytes(n: number): void;
  onResults(results: PackedResults, bytes: number): void;
}

/** Batches queued per thread: one running, one ready, so a thread never waits for the next. */
const QUEUED_PER_THREAD = 2;

/** Runs the plan on the calling thread (reads still overlap hashing through libuv). */
export async function hashOnThisThread(plan: HashPlan, algorithm: HashAlgorithm, sink: ResultSink): Promise<void> {
  // Alone on its core: libuv's threads read ahead on the others.
  const ctx: JobContext = { algorithm, buffers: allocateBuffers(), cancelled: () => false, onBytes: (n) => sink.onBytes(n), readAhead: true };
  for (let i = 0; i < plan.batches.length; i++) {
    const results: JobResult[] = [];
    for (const job of plan.jobsOf(i)) results.push(isSyncJob(job, ctx) ? runJobSync(job, ctx) : await runJob(job, ctx));
    sink.onResults(packResults(results), 0);
  }
}

interface Thread {
  worker: Worker;
  queued: number;
  alive: boolean;
}

/**
 * Runs the plan on `threads` worker threads. Batches are handed out as threads
 * free up. On the first failure a shared flag stops every thread at its next chunk;
 * the run settles once each thread has answered its batches (so every file is
 * closed) and all threads are terminated. Threads live for one run only.
 */
export function hashOnWorkers(plan: HashPlan, algorithm: HashAlgorithm, threads: number, entry: WorkerEntry, sink: ResultSink, progress: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    // Reads ahead only pay where a core is left over for them.
    const readAhead = threads < os.availableParallelism();
    const pool: Thread[] = [];
    let next = 0;
    let outstanding = 0;
    let failure: Error | undefined;
    let settled = false;

    const finishIfDone = () => {
      if (settled || outstanding > 0 || (!failure && next < plan.batches.length)) return;
      settled = true;
      Promise.all(pool.map((t) => t.worker.terminate())).then(
        () => (failure ? reject(failure) : resolve()),
        reject,
      );
    };
    const fail = (err: unknown) => {
      failure ??= err instanceof Error ? err : new Error(String(err));
      Atomics.store(cancel, 0, 1);
      finishIfDone();
    };
    const lost = (t: Thread, err: ModelsealError) => {
      if (!t.alive) return;
      t.alive = false;
      outstanding -= t.queued;
      t.queued = 0;
      fail(err);
    };
    const feedOne = (t: Thread): boolean => {
      if (failure || !t.alive || t.queued >= QUEUED_PER_THREAD || next >= plan.batches.length) return false;
      const id = next++;
      t.queued++;
      outstanding++;
      const msg: BatchMessage = { type: 'batch', id, algorithm, progress, jobs: plan.packedJobsOf(id) };
      t.worker.postMessage(msg);
      return true;
    };
    const feed = (t: Thread) => {
      while (feedOne(t));
    };

    for (let i = 0; i < threads; i++) {
      let worker: Worker;
      try {
        // A small young generation: each small file leaves ~1 KB of short-lived objects (a job,
        // three Stats), and V8's default lets each thread's grow to ~48 MB of a dataset's peak RSS.
        worker = new Worker(entry.filename, { eval: entry.eval, workerData: { cancel: cancel.buffer, readAhead }, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
      } catch (err) {
        fail(new ModelsealError('INTERNAL_ERROR', `could not start a hashing thread: ${(err as Error).message}`, { cause: err }));
        break;
      }
      const t: Thread = { worker, queued: 0, alive: true };
      pool.push(t);
      worker.on('message', (m: WorkerMessage) => {
        try {
          if (m.type === 'progress') {
            if (!failure) sink.onBytes(m.bytes);
            return;
          }
          t.queued--;
          outstanding--;
          if (m.type === 'done' && !failure) sink.onResults(m.results, m.bytes);
          else if (m.type === 'error') fail(deserializeError(m.error));
        } catch (err) {
          fail(err);
        }
        feed(t);
        finishIfDone();
      });
      worker.on('error', (err) => lost(t, new ModelsealError('INTERNAL_ERROR', `a hashing thread failed: ${err.message}`, { cause: err })));
      worker.on('exit', (code) => {
        if (!settled) lost(t, new ModelsealError('INTERNAL_ERROR', `a hashing thread exited unexpectedly (code ${code})`));
      });
    }
    // Deal the first batches round-robin: the largest come first, and a thread must not
    // queue a second large batch while another thread has none (shards of one file).
    for (let round = 0; round < QUEUED_PER_THREAD; round++) pool.forEach(feedOne);
    finishIfDone();
  });
}
