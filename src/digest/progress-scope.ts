import { AsyncLocalStorage } from 'node:async_hooks';
import type { ProgressEvent } from './manifest';

/**
 * Where hashing reports progress when its caller passed no `onProgress`: the CLI runs each
 * command inside a scope, so every command that hashes (verify through a policy, lineage,
 * the gate, lock verify, release create, attest's inputs, bom) shows progress without each
 * library entry point threading a callback. `hashTree` reads the scope once when it starts.
 */
export interface ProgressSink {
  /** One hashing run over `artifact` (a resolved path) progressed. */
  progress(artifact: string, event: ProgressEvent): void;
  /** That hashing run ended (finished or failed). */
  end(artifact: string): void;
}

const scope = new AsyncLocalStorage<ProgressSink>();

export function withProgressScope<T>(sink: ProgressSink, fn: () => Promise<T>): Promise<T> {
  return scope.run(sink, fn);
}

export function progressScope(): ProgressSink | undefined {
  return scope.getStore();
}
