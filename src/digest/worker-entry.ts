import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where a thread's code is: a file, or code to evaluate (`new Worker(filename, { eval })`). */
export interface WorkerEntry {
  filename: string;
  eval: boolean;
}

/**
 * Code for a worker started from TypeScript sources (ts-jest, ts-node): registers a
 * minimal `.ts` loader (TypeScript's own transpileModule, CommonJS) and loads the
 * worker source. Test runs exercise the very code that is compiled into dist/.
 */
function tsBootstrap(typescript: string, entry: string): string {
  return `
const ts = require(${JSON.stringify(typescript)});
const fs = require('node:fs');
require.extensions['.ts'] = function (module, filename) {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(out.outputText, filename);
};
require(${JSON.stringify(entry)});
`;
}

const cached = new Map<string, WorkerEntry | null>();

/**
 * Where the code of thread `name` (`hash-worker`, `walk-worker`) is. Installed and built:
 * `NAME.js` beside this file (dist/digest/, or dist/bundle/ in the bundle). Running from
 * sources: `NAME.ts` through the TypeScript loader above, if the `typescript` package can
 * be found. Otherwise null: the caller does the work on its own thread (same results).
 */
export function workerEntry(name: 'hash-worker' | 'walk-worker' = 'hash-worker'): WorkerEntry | null {
  const known = cached.get(name);
  if (known !== undefined) return known;
  const js = path.join(__dirname, `${name}.js`);
  const ts = path.join(__dirname, `${name}.ts`);
  let entry: WorkerEntry | null = null;
  if (fs.existsSync(js)) {
    entry = { filename: js, eval: false };
  } else if (fs.existsSync(ts)) {
    let typescript: string | undefined;
    try {
      typescript = require.resolve('typescript');
    } catch {
      typescript = undefined;
    }
    if (typescript) entry = { filename: tsBootstrap(typescript, ts), eval: true };
  }
  cached.set(name, entry);
  return entry;
}
