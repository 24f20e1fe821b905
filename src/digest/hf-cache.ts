import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Hugging Face Hub cache layout (huggingface_hub's `scan_cache_dir` reads the same):
 *
 *   <cache>/models--<org>--<name>/blobs/<etag>            the bytes, one file per distinct content
 *   <cache>/models--<org>--<name>/refs/<branch>           a commit hash
 *   <cache>/models--<org>--<name>/snapshots/<commit>/…    the files of a revision, each a relative
 *                                                          symbolic link into ../blobs/
 *
 * A snapshot is the model it represents: its links are followed and named by the link path, as
 * a `--local-dir` download of the same files would be named. Only links that resolve to a
 * regular file directly inside the blobs/ folder of the same repository folder qualify;
 * anything else outside the artifact stays refused by the walk.
 */
export interface HubRepo {
  /** The `models--…` (or `datasets--…`, `spaces--…`) folder, resolved. */
  repo: string;
  /** Its blobs/ folder. */
  blobs: string;
}

const REPO_FOLDER = /^(models|datasets|spaces)--[^/]+$/;

/** The hub repository whose snapshot holds `rootReal` (a realpath), if it lies in one. */
export function hubRepoOf(rootReal: string): HubRepo | undefined {
  let dir = rootReal;
  for (;;) {
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    const repo = path.dirname(parent);
    if (path.basename(parent) === 'snapshots' && REPO_FOLDER.test(path.basename(repo))) {
      const blobs = path.join(repo, 'blobs');
      try {
        // blobs/ itself must be a real folder: a link there would move the trusted place.
        if (!fs.lstatSync(blobs).isDirectory()) return undefined;
      } catch {
        return undefined;
      }
      return { repo, blobs };
    }
    dir = parent;
  }
}

/** A link of the snapshot that resolves to a regular file directly in the repository's blobs/. */
export function resolveHubLink(hub: HubRepo, link: string): { file: string; size: number } | undefined {
  let target: string;
  try {
    target = fs.realpathSync(link);
  } catch {
    return undefined;
  }
  if (path.dirname(target) !== hub.blobs) return undefined;
  const st = fs.lstatSync(target);
  return st.isFile() ? { file: target, size: st.size } : undefined;
}

/** `hf download --local-dir` keeps its download metadata here, at the top of the folder. */
export const HF_LOCAL_DIR_METADATA = '.cache/huggingface';

/** Whether signing should leave out (and record as ignored) the local-dir metadata folder. */
export function wantsHubMetadataIgnore(rootReal: string): boolean {
  if (hubRepoOf(rootReal)) return true; // a local-dir copy of this snapshot will have it
  try {
    return fs.lstatSync(path.join(rootReal, HF_LOCAL_DIR_METADATA)).isDirectory();
  } catch {
    return false;
  }
}
