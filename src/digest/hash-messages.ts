import { ModelsealError, type ErrorCode } from '../errors';
import type { HashAlgorithm } from './algorithms';
import type { HashJob, JobResult } from './hash-job';

/** What the coordinator sends a hashing thread. */
export interface BatchMessage {
  type: 'batch';
  id: number;
  algorithm: HashAlgorithm;
  /** Whether to send `progress` messages while hashing large files. */
  progress: boolean;
  jobs: HashJob[];
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  file?: string;
}

/** What a hashing thread answers: progress while hashing, then one of done, error or cancelled per batch. */
export type WorkerMessage =
  | { type: 'progress'; bytes: number }
  | { type: 'done'; id: number; results: JobResult[]; bytes: number }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'cancelled'; id: number };

/** ModelsealErrors cross the thread boundary as plain data and are rebuilt with the same code and file. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof ModelsealError) {
    const prefix = err.file !== undefined ? `${err.file}: ` : '';
    const message = prefix && err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    return { code: err.code, message, ...(err.file !== undefined ? { file: err.file } : {}) };
  }
  return { code: 'INTERNAL_ERROR', message: `a hashing thread failed: ${(err as Error)?.message ?? String(err)}` };
}

export function deserializeError(e: SerializedError): ModelsealError {
  return new ModelsealError(e.code, e.message, e.file !== undefined ? { file: e.file } : {});
}
