import { ModelsealError, type ErrorCode } from '../errors';
import { collisionKey } from './case-fold';
import { quoted } from './display';
import { findUnsafeCharacter } from './unsafe';
import { finishTableHash, FNV_PRIME, TABLE_HASH_SEED } from '../util/table-hash';

/** Why a single file name is refused, or undefined: a character no name may hold. */
/**
 * Longer than any path a file system gives (Linux: 4,096 bytes; Windows long paths: 32,767
 * UTF-16 units, under 98,302 bytes of UTF-8): only a hand-made list can name it.
 */
export const MAX_NAME_BYTES = 98_302;

export function fileNameProblem(name: string): string | undefined {
  // Three bytes per UTF-16 unit at most: only names that may be long are measured.
  if (name.length * 3 > MAX_NAME_BYTES && Buffer.byteLength(name) > MAX_NAME_BYTES) return `is ${Buffer.byteLength(name)} bytes long, more than any file system's path (${MAX_NAME_BYTES})`;
  const bad = findUnsafeCharacter(name);
  return bad ? `holds ${bad.text}` : undefined;
}

/**
 * The one check of the names of an artifact's files, at sign (the walker) and at
 * verify (the signed manifest): no unsafe character, and no two names (or folder
 * prefixes) that are the same file once a file system folds case or normalizes
 * (model.safetensors / model.safetenſors, Dir/a / dir/a, a file A beside a folder a/).
 * Throws `code` naming the first offending name, escaped.
 */
export function checkFileNames(names: Iterable<string>, code: ErrorCode, file?: string): void {
  // Every distinct folder or file once, keyed by its parent and its segment's collision key:
  // a packed table, not a tree of Maps (a million names cost ~40 bytes each, not ~300),
  // and a deep path costs its length, not the sum of its prefixes.
  const seen = new SegmentTable();
  let lastFolder = '';
  let lastFolderId = -1;
  for (const name of names) {
    const problem = fileNameProblem(name);
    if (problem) throw new ModelsealError(code, `the file name ${quoted(name)} ${problem}`, { file, details: { name, reason: problem } });
    // Sorted names share their folders: those of the previous name were checked already.
    const slash = name.lastIndexOf('/');
    const folder = slash < 0 ? '' : name.slice(0, slash);
    const reuse = slash >= 0 && folder === lastFolder;
    let start = reuse ? slash + 1 : 0;
    let parent = reuse ? lastFolderId : -1;
    while (start <= name.length) {
      let end = name.indexOf('/', start);
      if (end < 0) end = name.length;
      const segment = name.slice(start, end);
      const { id, other, otherKind } = seen.add(parent, collisionKey(segment), segment, end === name.length ? FILE : FOLDER);
      if (otherKind) {
        const prefix = name.slice(0, end);
        throw new ModelsealError(code, `the name ${quoted(prefix)} is listed both as a file and as a folder (no tree holds both)`, { file, details: { name: prefix } });
      }
      if (other !== undefined) {
        const prefix = name.slice(0, end);
        const otherName = name.slice(0, start) + other;
        throw new ModelsealError(code, `the file names ${quoted(otherName)} and ${quoted(prefix)} are the same name under Unicode case folding or normalization (one file on macOS and Windows)`, {
          file,
          details: { names: [otherName, prefix] },
        });
      }
      if (end === slash) lastFolderId = id;
      parent = id;
      start = end + 1;
    }
    lastFolder = folder;
  }
}

const FILE = 1;
const FOLDER = 2;

// Seeded FNV-1a over the parent's id and the key's UTF-16 code units (util/table-hash.ts); the two forms must agree.
function hashKey(parent: number, key: string): number {
  let h = Math.imul(TABLE_HASH_SEED ^ parent, FNV_PRIME);
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), FNV_PRIME);
  return finishTableHash(h);
}

function hashStored(parent: number, text: Uint16Array, at: number, length: number): number {
  let h = Math.imul(TABLE_HASH_SEED ^ parent, FNV_PRIME);
  for (let i = at; i < at + length; i++) h = Math.imul(h ^ text[i], FNV_PRIME);
  return finishTableHash(h);
}

/** Folders and files by (parent, collision key of the segment), with the segment as written; UTF-16 code units in growing arrays. */
class SegmentTable {
  private text: Uint16Array = new Uint16Array(1 << 16);
  private used = 0;
  private parent: Int32Array = new Int32Array(1024);
  /** Per entry: where its key starts, its key length, its written segment's length (0: same as the key). */
  private start: Uint32Array = new Uint32Array(1024);
  private keyLength: Uint32Array = new Uint32Array(1024);
  private writtenLength: Uint32Array = new Uint32Array(1024);
  /** FILE or FOLDER: what the entry was first recorded as. */
  private kind: Uint8Array = new Uint8Array(1024);
  private count = 0;
  private slots = new Int32Array(2048).fill(-1);

  /**
   * Records a segment under `parent`; `other` is the segment recorded before for the same
   * key when it is written differently, `otherKind` set when it was recorded as the other kind.
   */
  add(parent: number, key: string, segment: string, kind: number): { id: number; other?: string; otherKind?: boolean } {
    if ((this.count + 1) * 2 > this.slots.length) this.rehash();
    const mask = this.slots.length - 1;
    for (let s = hashKey(parent, key) & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s];
      if (e === -1) {
        const id = this.append(parent, key, segment, kind);
        this.slots[s] = id;
        return { id };
      }
      if (this.parent[e] === parent && this.keyEquals(e, key)) {
        const written = this.written(e);
        if (written === segment && this.kind[e] !== kind) return { id: e, otherKind: true };
        return written === segment ? { id: e } : { id: e, other: written };
      }
    }
  }

  private keyEquals(e: number, key: string): boolean {
    if (this.keyLength[e] !== key.length) return false;
    const at = this.start[e];
    for (let i = 0; i < key.length; i++) if (this.text[at + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  private written(e: number): string {
    const at = this.start[e];
    const k = this.keyLength[e];
    const w = this.writtenLength[e];
    return w === 0 ? this.decode(at, k) : this.decode(at + k, w);
  }

  private decode(at: number, length: number): string {
    let out = '';
    for (let i = 0; i < length; i += 4096) out += String.fromCharCode(...this.text.subarray(at + i, at + Math.min(length, i + 4096)));
    return out;
  }

  private append(parent: number, key: string, segment: string, kind: number): number {
    const sameAsKey = segment === key;
    const need = key.length + (sameAsKey ? 0 : segment.length);
    while (this.used + need > this.text.length) this.text = grow(this.text, this.text.length * 2);
    if (this.used + need > 0xffffffff) throw new RangeError('file names exceed 4 G code units');
    if (this.count === this.start.length) {
      const n = this.count * 2;
      this.parent = grow(this.parent, n);
      this.start = grow(this.start, n);
      this.keyLength = grow(this.keyLength, n);
      this.writtenLength = grow(this.writtenLength, n);
      this.kind = grow(this.kind, n);
    }
    const e = this.count++;
    this.kind[e] = kind;
    this.parent[e] = parent;
    this.start[e] = this.used;
    this.keyLength[e] = key.length;
    this.writtenLength[e] = sameAsKey ? 0 : segment.length;
    for (let i = 0; i < key.length; i++) this.text[this.used++] = key.charCodeAt(i);
    if (!sameAsKey) for (let i = 0; i < segment.length; i++) this.text[this.used++] = segment.charCodeAt(i);
    return e;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = this.slots.length - 1;
    for (let e = 0; e < this.count; e++) {
      let s = hashStored(this.parent[e], this.text, this.start[e], this.keyLength[e]) & mask;
      while (this.slots[s] !== -1) s = (s + 1) & mask;
      this.slots[s] = e;
    }
  }
}

function grow<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
