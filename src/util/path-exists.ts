import * as fs from 'node:fs';

/** Whether anything is at `p` (lstat: a dangling link exists). */
export function pathExists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
