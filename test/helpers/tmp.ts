import { createHash } from 'node:crypto';
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

/**
 * Names, sizes, modes, mtimes and contents of a tree, to prove a command changed nothing.
 * Iterative, and names are read as bytes (keys are latin1), so deep trees and names
 * that are not UTF-8 are snapshotted too.
 */
export function snapshotTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const base = Buffer.from(root);
  const pending: Buffer[] = [Buffer.alloc(0)];
  while (pending.length > 0) {
    const rel = pending.pop() as Buffer;
    const dir = rel.length ? Buffer.concat([base, Buffer.from('/'), rel]) : base;
    for (const name of fs.readdirSync(dir, { encoding: 'buffer' })) {
      const childRel = rel.length ? Buffer.concat([rel, Buffer.from('/'), name]) : name;
      const p = Buffer.concat([base, Buffer.from('/'), childRel]);
      const st = fs.lstatSync(p);
      const key = childRel.toString('latin1');
      if (st.isDirectory()) {
        out[key + '/'] = `dir ${st.mode}`;
        pending.push(childRel);
      } else if (st.isSymbolicLink()) {
        out[key] = `link ${fs.readlinkSync(p, { encoding: 'buffer' }).toString('latin1')}`;
      } else if (st.isFile()) {
        out[key] = `file ${st.size} ${st.mode} ${st.mtimeMs} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`;
      } else {
        out[key] = `special ${st.mode} ${st.rdev}`;
      }
    }
  }
  return out;
}
