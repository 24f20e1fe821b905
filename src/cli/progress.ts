import type { ProgressEvent } from '../digest/manifest';
import { displayText } from '../names';

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/**
 * A progress line on stderr while hashing, only when stderr is a terminal and the
 * output is not JSON or quiet. Redrawn at most ten times a second.
 */
export function progressReporter(enabled: boolean, label: string): { onProgress?: (e: ProgressEvent) => void; done(): void } {
  if (!enabled || !process.stderr.isTTY) return { done() {} };
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    onProgress(e: ProgressEvent) {
      const now = Date.now();
      if (now - last < 100 && e.bytesDone < e.bytesTotal) return;
      last = now;
      const secs = Math.max((now - started) / 1000, 0.001);
      const rate = e.bytesDone / secs;
      const pct = e.bytesTotal ? Math.floor((100 * e.bytesDone) / e.bytesTotal) : 100;
      const eta = rate > 0 ? Math.ceil((e.bytesTotal - e.bytesDone) / rate) : 0;
      const width = 24;
      const fill = Math.round((width * pct) / 100);
      const bar = '#'.repeat(fill) + '-'.repeat(width - fill);
      process.stderr.write(`\r${displayText(label, 60)} [${bar}] ${pct}% ${bytes(e.bytesDone)}/${bytes(e.bytesTotal)} ${e.filesDone}/${e.filesTotal} files ${bytes(rate)}/s ETA ${eta}s\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  };
}
