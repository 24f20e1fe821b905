import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Lays out a Hugging Face Hub cache the way huggingface_hub writes it: blobs named by their
 * etag (the SHA-256 of the content for LFS files, the git blob SHA-1 for the others),
 * refs/<branch> holding the commit hash, and snapshots/<commit>/<path> as relative
 * symbolic links into ../blobs/ (one more ../ per folder level).
 */
export interface HubFiles {
  [name: string]: string | Buffer;
}

export const isLfs = (name: string) => /\.(safetensors|bin|gguf|pt|onnx)$/.test(name);

export function etagOf(name: string, content: Buffer): string {
  if (isLfs(name)) return createHash('sha256').update(content).digest('hex');
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

export function makeHubCache(cache: string, repoId: string, files: HubFiles, commit = 'a'.repeat(8) + createHash('sha1').update(repoId).digest('hex').slice(8)): { repo: string; snapshot: string; commit: string } {
  const repo = path.join(cache, `models--${repoId.replace('/', '--')}`);
  fs.mkdirSync(path.join(repo, 'blobs'), { recursive: true });
  fs.mkdirSync(path.join(repo, 'refs'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'refs', 'main'), commit);
  const snapshot = path.join(repo, 'snapshots', commit);
  for (const [name, raw] of Object.entries(files)) {
    const content = Buffer.from(raw);
    const etag = etagOf(name, content);
    fs.writeFileSync(path.join(repo, 'blobs', etag), content);
    const link = path.join(snapshot, name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.relative(path.dirname(link), path.join(repo, 'blobs', etag)), link);
  }
  return { repo, snapshot, commit };
}

/** A `hf download --local-dir` copy: the files, plus .cache/huggingface/ metadata. */
export function makeLocalDir(dir: string, files: HubFiles, commit: string): string {
  for (const [name, raw] of Object.entries(files)) {
    const content = Buffer.from(raw);
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
    const meta = path.join(dir, '.cache', 'huggingface', 'download', `${name}.metadata`);
    fs.mkdirSync(path.dirname(meta), { recursive: true });
    fs.writeFileSync(meta, `${commit}\n${etagOf(name, content)}\n${Date.now() / 1000}\n`);
  }
  fs.writeFileSync(path.join(dir, '.cache', 'huggingface', '.gitignore'), '*');
  return dir;
}
