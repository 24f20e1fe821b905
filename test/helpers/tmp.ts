import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh temporary folder, removed after the test file finishes. */
const made: string[] = [];
export function tmpDir(prefix = 'modelseal-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** Writes files (relative path -> content) under a folder, creating parents. */
export function writeTree(root: string, files: Record<string, string | Buffer>): string {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return root;
}

/** Names, sizes, modes, mtimes and contents of a tree, to prove a command changed nothing. */
export function snapshotTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      const st = fs.lstatSync(p);
      const rel = path.relative(root, p);
      if (e.isDirectory()) {
        out[rel + '/'] = `dir ${st.mode}`;
        walk(p);
      } else if (e.isSymbolicLink()) {
        out[rel] = `link ${fs.readlinkSync(p)}`;
      } else if (e.isFile()) {
        out[rel] = `file ${st.size} ${st.mode} ${st.mtimeMs} ${require('node:crypto').createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`;
      } else {
        out[rel] = `special ${st.mode}`;
      }
    }
  };
  walk(root);
  return out;
}
