import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
const BIN = path.join(REPO, 'bin', 'run.js');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
  json: any;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeout?: number;
  /**
   * Run without the capabilities that let root ignore file modes (CAP_DAC_OVERRIDE,
   * CAP_DAC_READ_SEARCH), so permission errors are real even when tests run as root.
   */
  honourFileModes?: boolean;
}

/** Runs the built CLI (`npm test` builds first) as a real process. */
export function cli(args: string[], options: CliOptions = {}): CliResult {
  const dropCaps = options.honourFileModes && process.getuid?.() === 0;
  const command = dropCaps ? 'setpriv' : process.execPath;
  const argv = dropCaps ? ['--bounding-set', '-dac_override,-dac_read_search', process.execPath, BIN, ...args] : [BIN, ...args];
  // The CLI runs as a user runs it: without the NODE_ENV=test that jest sets.
  const { NODE_ENV: _jest, ...userEnv } = process.env;
  const r = spawnSync(command, argv, {
    cwd: options.cwd ?? REPO,
    env: { ...userEnv, ...options.env },
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeout ?? 60_000,
  });
  let json: unknown;
  if (args.includes('--json')) {
    try {
      json = JSON.parse(r.stdout);
    } catch {
      json = undefined;
    }
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
  json: any;
}

/** Runs the built CLI without blocking this process (the proxy answers from here). */
export function cliAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const { NODE_ENV: _jest, ...userEnv } = process.env;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...userEnv, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill(), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ status: code ?? -1, stdout, stderr, json });
    });
  });
}
