import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HelperAnswer, WalkAheadData } from './walk-helpers';
import { unpackFiles } from './walk-helpers';
import { filesSink, folderStamp, type ArtifactFile, type ArtifactTree, type WalkOptions } from './walk';
import { comparePaths } from './order';
import { workerEntry } from './worker-entry';

/** Whether `name` is one of `paths` or lies under one (a lookup per ancestor, as the walk checks its ignores). */
function isUnder(name: string, paths: ReadonlySet<string>): boolean {
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) if (paths.has(name.slice(0, i))) return true;
  return paths.has(name);
}

/**
 * A walk of a folder started on a thread before its ignore paths are known. Reading and
 * checking a dataset's signature takes seconds on one core (a 1.28 M-resource statement
 * is 230 MB) while the walk waits for the signed ignores; walked ahead with the ignores
 * known before the signature is read (the defaults, the caller's, the signature files),
 * the tree is ready when they are.
 *
 * It is used only where it equals the walk with the signed parameters: that walk ignores
 * a superset of these paths (the signed ones added), so the two lists are equal exactly
 * when no file walked ahead is at or under a signed ignore path, which `take` checks. A
 * walk ahead refuses symbolic links; where it walked without meeting one, following
 * links (`allow_symlinks`) walks the same. Any failure of the walk ahead (a link, a
 * special file, a bad name, a thread that could not start) only means the tree is walked
 * again, as it would have been, and that walk reports its refusal.
 */
export class WalkAhead {
  /** Dropped once taken: the answer's buffers (tens of MB) must not live through the hashing. */
  private answer?: Promise<HelperAnswer | undefined>;
  private taken = false;
  /** Settles once the walk has answered or ended (lets a test change the folder after the walk). */
  readonly answered: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly root: string,
    private readonly ignores: ReadonlySet<string>,
  ) {
    this.answer = new Promise((resolve) => {
      worker.once('message', (m: HelperAnswer) => resolve(m));
      worker.once('error', () => resolve(undefined));
      worker.once('exit', () => resolve(undefined));
    });
    this.answered = this.answer.then(() => undefined);
  }

  /** Starts walking the folder `root` (a realpath) ignoring `ignores`; undefined when no thread can start. */
  static start(root: string, ignores: ReadonlySet<string>, helpers?: WalkOptions['helpers']): WalkAhead | undefined {
    const entry = workerEntry('walk-worker');
    if (!entry) return undefined;
    const data: WalkAheadData = { ahead: true, root, ignores: [...ignores], allowSymlinks: false, helpers };
    try {
      const worker = new Worker(entry.filename, { eval: entry.eval, workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
      worker.unref(); // a refusal of the signature must not wait for the walk
      return new WalkAhead(worker, root, ignores);
    } catch {
      return undefined;
    }
  }

  /**
   * The tree as walkArtifact would list it with `ignores` (a superset of the ones walked
   * with), or undefined: then the caller walks. Ends the thread.
   */
  async take(root: string, ignores: ReadonlySet<string>): Promise<ArtifactTree | undefined> {
    if (this.taken || root !== this.root) return this.cancel();
    this.taken = true;
    const extra = new Set([...ignores].filter((p) => !this.ignores.has(p)));
    if ([...this.ignores].some((p) => !ignores.has(p))) return this.cancel();
    this.worker.ref();
    let answer = await this.answer;
    this.cancel();
    if (!answer || 'error' in answer) return undefined;
    const prefix = root.endsWith(path.sep) ? root : root + path.sep;
    const files: ArtifactFile[] = [];
    const folders: Array<[string, string]> = [];
    unpackFiles(answer, { ...filesSink(prefix, files), folder: (relDir, stamp) => folders.push([relDir, stamp]) });
    answer = undefined;
    // What changed while the signature was read is seen as a fresh walk would see it: every
    // folder walked must be the same folder with the same entries (stamped before it was read).
    for (const [relDir, stamp] of folders) if (folderStamp(relDir === '' ? root : prefix + relDir) !== stamp) return undefined;
    if (extra.size > 0 && files.some((f) => isUnder(f.name, extra))) return undefined;
    files.sort((a, b) => comparePaths(a.name, b.name));
    return { root, singleFile: false, files };
  }

  /** Stops the walk (it may have ended already). */
  cancel(): undefined {
    this.taken = true;
    this.answer = undefined;
    this.worker.removeAllListeners(); // they hold the answer
    this.worker.terminate().catch(() => undefined);
    return undefined;
  }
}
