import * as fs from 'node:fs';
import { fsError } from '../api/errors';

/**
 * The trust material named on the command line (keys, CA roots, trusted roots, policies) must
 * exist before anything is verified: a typo in `--ca-roots` is an input error (exit 2), not a
 * refusal for an untrusted signer that the file was never read for. What the file holds (and
 * whether it is a regular file) is for its loader to judge.
 */
export function requireInputFiles(flags: Record<string, string | string[] | undefined>): void {
  for (const value of Object.values(flags)) {
    for (const file of value === undefined ? [] : Array.isArray(value) ? value : [value]) {
      try {
        fs.lstatSync(file);
      } catch (err) {
        throw fsError(err, file);
      }
    }
  }
}
