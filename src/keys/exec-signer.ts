import { spawnSync, type SpawnSyncOptions, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { decodeBase64 } from '../envelope/base64';
import { parseStrictJson } from '../envelope/strict-json';
import { ModelsealError } from '../errors';
import type { KeyType } from './key-types';
import { parsePublicKey } from './load';
import type { ExternalKey } from './signing-key';

/**
 * The `exec:COMMAND` external signer, the bridge to any KMS: COMMAND runs (through
 * /bin/sh) once per request, reads one JSON object on stdin and prints one on stdout.
 *   {"version":1,"request":"public-key"}                         -> {"publicKey":"<SPKI PEM>"}
 *   {"version":1,"request":"sign","algorithm":"ecdsa-p256-sha256", -> {"signature":"<base64, DER for ECDSA>"}
 *    "data":"<base64 of the DSSE PAE>","digest":{"algorithm":"sha256","value":"<base64>"}}
 * A non-zero exit, a time-out, output beyond the bound or anything but the one
 * expected object is a one-line SIGNER_FAILED; the signature is checked against
 * the public key by signWith before it is used.
 */

export const EXEC_PREFIX = 'exec:';
export const DEFAULT_EXEC_TIMEOUT_SECONDS = 60;
/** stdout of one answer: a PEM key or a signature is a few KiB at most. */
const MAX_OUTPUT_BYTES = 1024 * 1024;
const MAX_MESSAGE_DETAIL = 200;

export const EXEC_ALGORITHMS: Record<KeyType, { name: string; digest?: 'sha256' | 'sha384' | 'sha512' }> = {
  'ecdsa-p256': { name: 'ecdsa-p256-sha256', digest: 'sha256' },
  'ecdsa-p384': { name: 'ecdsa-p384-sha384', digest: 'sha384' },
  'ecdsa-p521': { name: 'ecdsa-p521-sha512', digest: 'sha512' },
  // Ed25519 signs the message itself (no pre-hash variant): adapters use `data`.
  ed25519: { name: 'ed25519' },
};

export interface ExecSignerOptions {
  /** Seconds one request may take (default 60; MODELSEAL_EXEC_TIMEOUT overrides the default). */
  timeoutSeconds?: number;
}

/** One short, escaped line of what the signer printed on stderr (never unbounded). */
function stderrDetail(stderr: Buffer | null | undefined): string {
  const lines = (stderr ?? Buffer.alloc(0)).toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines[lines.length - 1];
  if (!last) return '';
  const cut = last.length > MAX_MESSAGE_DETAIL ? `${last.slice(0, MAX_MESSAGE_DETAIL)}…` : last;
  return `: ${JSON.stringify(cut)}`;
}

export function execTimeoutSeconds(explicit?: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = explicit ?? (env.MODELSEAL_EXEC_TIMEOUT !== undefined ? Number(env.MODELSEAL_EXEC_TIMEOUT) : DEFAULT_EXEC_TIMEOUT_SECONDS);
  if (!Number.isFinite(raw) || raw <= 0 || raw > 3600) {
    throw new ModelsealError('USAGE_ERROR', 'the external signer time limit must be between 0 and 3600 seconds');
  }
  return raw;
}

function describe(command: string): string {
  const shown = command.length > 100 ? `${command.slice(0, 100)}…` : command;
  return `external signer ${JSON.stringify(shown)}`;
}

/** Runs one request and returns the answer object (or throws SIGNER_FAILED). */
export function execRequest(command: string, request: Record<string, unknown>, timeoutSeconds: number): Record<string, unknown> {
  const who = describe(command);
  const options: SpawnSyncOptions & { detached: boolean } = {
    input: JSON.stringify(request) + '\n',
    timeout: timeoutSeconds * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: MAX_OUTPUT_BYTES,
    // Its own process group (spawnSync honours `detached` though its types omit it), so
    // what the command started dies with it on a time-out instead of lingering.
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  };
  const r = spawnSync('/bin/sh', ['-c', command], options) as SpawnSyncReturns<Buffer>;
  if (r.pid) {
    try {
      process.kill(-r.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
  const err = r.error as (Error & { code?: string }) | undefined;
  if (err?.code === 'ETIMEDOUT') throw new ModelsealError('SIGNER_FAILED', `${who} did not answer within ${timeoutSeconds} s`);
  if (err?.code === 'ENOBUFS') throw new ModelsealError('SIGNER_FAILED', `${who} printed more than ${MAX_OUTPUT_BYTES} bytes`);
  // EPIPE: the command ended without reading the whole request (a shell that could not
  // find it exits 127 first). Its exit status and answer decide, as for any other run.
  if (err && !(err.code === 'EPIPE' && (r.status !== null || r.signal !== null))) {
    throw new ModelsealError('SIGNER_FAILED', `${who} could not be run: ${err.code ?? err.message}`);
  }
  if (r.status !== 0) {
    const how = r.status === null ? `was killed by ${r.signal ?? 'a signal'}` : `exited with status ${r.status}`;
    throw new ModelsealError('SIGNER_FAILED', `${who} ${how}${stderrDetail(r.stderr)}`);
  }
  let answer: unknown;
  try {
    answer = parseStrictJson(r.stdout, { code: 'SIGNER_FAILED', what: 'the answer', maxDepth: 4 });
  } catch {
    throw new ModelsealError('SIGNER_FAILED', `${who} did not print one JSON object`);
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw new ModelsealError('SIGNER_FAILED', `${who} did not print one JSON object`);
  }
  if (typeof (answer as { error?: unknown }).error === 'string') {
    const e = (answer as { error: string }).error;
    throw new ModelsealError('SIGNER_FAILED', `${who} refused: ${JSON.stringify(e.slice(0, MAX_MESSAGE_DETAIL))}`);
  }
  return answer as Record<string, unknown>;
}

function onlyField(answer: Record<string, unknown>, field: string, who: string): unknown {
  const extra = Object.keys(answer).filter((k) => k !== field);
  if (extra.length > 0 || !(field in answer)) {
    throw new ModelsealError('SIGNER_FAILED', `${who} answered without "${field}" or with other fields`);
  }
  return answer[field];
}

/** The external signer named by `exec:COMMAND`: asks once for its public key, then signs on request. */
export function openExecSigner(reference: string, options: ExecSignerOptions = {}): ExternalKey {
  if (!reference.startsWith(EXEC_PREFIX)) throw new ModelsealError('USAGE_ERROR', 'an external signer reference starts with exec:');
  const command = reference.slice(EXEC_PREFIX.length).trim();
  if (command === '') throw new ModelsealError('USAGE_ERROR', 'exec: needs a command (exec:COMMAND)');
  const timeout = execTimeoutSeconds(options.timeoutSeconds);
  const who = describe(command);
  const pem = onlyField(execRequest(command, { version: 1, request: 'public-key' }, timeout), 'publicKey', who);
  if (typeof pem !== 'string' || pem.length > 16 * 1024) throw new ModelsealError('SIGNER_FAILED', `${who} answered with a publicKey that is not PEM text`);
  let publicKey;
  try {
    publicKey = parsePublicKey(pem);
  } catch (e) {
    throw new ModelsealError('SIGNER_FAILED', `${who} answered with an unusable public key (${(e as Error).message})`);
  }
  const algorithm = EXEC_ALGORITHMS[publicKey.type];
  return {
    type: publicKey.type,
    publicKey,
    source: 'exec',
    reference: `${EXEC_PREFIX}${command}`,
    signData(data: Uint8Array): Buffer {
      const request: Record<string, unknown> = { version: 1, request: 'sign', algorithm: algorithm.name, data: Buffer.from(data).toString('base64') };
      if (algorithm.digest) request.digest = { algorithm: algorithm.digest, value: createHash(algorithm.digest).update(data).digest('base64') };
      const sig = decodeBase64(onlyField(execRequest(command, request, timeout), 'signature', who));
      if (!sig || sig.length === 0 || sig.length > 512) throw new ModelsealError('SIGNER_FAILED', `${who} answered with a signature that is not base64`);
      return sig;
    },
  };
}
