import * as path from 'node:path';
import type { ProgressEvent, ProgressSink } from '../api/digest';

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Printable ASCII only: a name from the artifact must not move the cursor or take two columns. */
function printable(s: string, max: number): string {
  const safe = s.replace(/[^\x20-\x7e]/g, '?');
  return safe.length > max ? `${safe.slice(0, max - 3)}...` : safe;
}

/** Whether this run may draw progress: stderr is a terminal and the output is neither JSON nor quiet. */
export function progressWanted(argv: string[]): boolean {
  return Boolean(process.stderr.isTTY) && !argv.includes('--json') && !argv.includes('--quiet') && !argv.includes('-q');
}

/**
 * One progress line on stderr, cut to the terminal's width (one column spare, so the
 * terminal never wraps it) and redrawn in place with a carriage return and erase-to-end,
 * at most ten times a second. The least useful parts go first when the line is narrow.
 */
export class ProgressLine {
  private started = Date.now();
  private last = 0;
  private drawn = false;
  private current = '';

  constructor(private readonly label: string, private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(e: ProgressEvent, artifact?: string): void {
    const now = Date.now();
    if ((artifact ?? '') !== this.current) {
      this.current = artifact ?? '';
      this.started = now;
      this.last = 0;
    }
    if (now - this.last < 100 && e.bytesDone < e.bytesTotal) return;
    this.last = now;
    this.out.write(`\r${this.render(e, now)}\x1b[K`);
    this.drawn = true;
  }

  render(e: ProgressEvent, now = Date.now()): string {
    const width = Math.max((this.out.columns || 80) - 1, 10);
    const secs = Math.max((now - this.started) / 1000, 0.001);
    const rate = e.bytesDone / secs;
    const pct = e.bytesTotal ? Math.min(100, Math.floor((100 * e.bytesDone) / e.bytesTotal)) : 100;
    const eta = rate > 0 ? Math.ceil((e.bytesTotal - e.bytesDone) / rate) : 0;
    const head = `${this.label}${this.current ? ` ${printable(path.basename(this.current), 32)}` : ''} ${String(pct).padStart(3)}%`;
    // In the order they are dropped when there is no room.
    const tail = [`${bytes(e.bytesDone)}/${bytes(e.bytesTotal)}`, `${e.filesDone}/${e.filesTotal} files`, `${bytes(rate)}/s`, `ETA ${eta}s`];
    let parts = tail.slice();
    const line = (bar: string) => [head, bar, ...parts].filter(Boolean).join(' ');
    while (parts.length > 0 && line('[' + '-'.repeat(10) + ']').length > width) parts = parts.slice(0, -1);
    const room = width - line('').length - 3;
    const barWidth = Math.min(24, room);
    const fill = Math.round((barWidth * pct) / 100);
    const bar = barWidth >= 5 ? `[${'#'.repeat(fill)}${'-'.repeat(barWidth - fill)}]` : '';
    return line(bar).slice(0, width);
  }

  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }

  /** The sink for hashing runs that take no explicit callback (src/digest/progress-scope.ts). */
  sink(): ProgressSink {
    return { progress: (artifact, e) => this.update(e, artifact), end: () => this.clear() };
  }
}

/**
 * A progress line on stderr while hashing, only when stderr is a terminal and the
 * output is not JSON or quiet.
 */
export function progressReporter(enabled: boolean, label: string): { onProgress?: (e: ProgressEvent) => void; done(): void } {
  if (!enabled || !process.stderr.isTTY) return { done() {} };
  const line = new ProgressLine(label);
  return { onProgress: (e) => line.update(e), done: () => line.clear() };
}
