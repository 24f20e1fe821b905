import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { program } from './peers';
import { tmpDir } from './tmp';

/** tmux: a real terminal (a pseudo-terminal and a screen) to run the CLI in. */
export const TMUX = program('tmux', ['-V'], 'apt-get install tmux');

export interface TtyRun {
  /** The final screen, as tmux renders it (trailing blank lines dropped). */
  screen: string[];
  /** Everything the program wrote to the terminal. */
  raw: string;
  status: number;
}

/**
 * Runs a shell command line in a tmux pane of `cols` x 30, waits for it to end, and returns
 * the rendered screen and the raw output (captured by pipe-pane). The screen shows what a
 * person sees: a progress line that was not redrawn in place is still there.
 */
export function runInTerminal(commandLine: string, options: { cols: number; cwd?: string; timeoutMs?: number }): TtyRun {
  const dir = tmpDir('modelseal-tty-');
  const raw = path.join(dir, 'raw.log');
  const done = path.join(dir, 'status');
  const session = `modelseal-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', session, ...args], { encoding: 'utf8' });
  // The command waits until pipe-pane is attached (the flag file), so no output is missed.
  const ready = path.join(dir, 'ready');
  const script = `cd ${JSON.stringify(options.cwd ?? process.cwd())}; while [ ! -e ${JSON.stringify(ready)} ]; do sleep 0.05; done; ${commandLine}; echo $? > ${JSON.stringify(done)}; sleep 600`;
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  delete env.NODE_ENV;
  delete env.TMUX;
  const started = spawnSync('tmux', ['-L', session, '-f', '/dev/null', 'new-session', '-d', '-s', session, '-x', String(options.cols), '-y', '30', 'bash', '-c', script], { encoding: 'utf8', env });
  if (started.status !== 0) throw new Error(`tmux: ${started.stderr}`);
  try {
    tmux('pipe-pane', '-t', session, '-o', `cat >> ${JSON.stringify(raw)}`);
    fs.writeFileSync(ready, '');
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    while (!fs.existsSync(done) || fs.readFileSync(done, 'utf8').trim() === '') {
      if (Date.now() > deadline) throw new Error(`timed out: ${commandLine}`);
      spawnSync('sleep', ['0.1']);
    }
    spawnSync('sleep', ['0.2']); // let pipe-pane flush
    const screen = tmux('capture-pane', '-p', '-t', session).stdout.split('\n');
    while (screen.length && screen[screen.length - 1].trim() === '') screen.pop();
    return { screen, raw: fs.existsSync(raw) ? fs.readFileSync(raw, 'utf8') : '', status: Number(fs.readFileSync(done, 'utf8').trim()) };
  } finally {
    tmux('kill-server');
  }
}

/** The progress lines drawn (each redraw: the text between carriage returns, erase-to-end removed). */
export function drawnProgress(raw: string): string[] {
  return raw
    .split('\r')
    .map((s) => s.replace(/\x1b\[K/g, ''))
    .filter((s) => /^\S+ .*\d+%/.test(s) && !s.includes('\n'));
}
