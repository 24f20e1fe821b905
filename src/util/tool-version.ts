import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/** modelseal's own version, from its package.json (src/ and dist/ both sit one level below it). */
export function toolVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
      cached = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}
