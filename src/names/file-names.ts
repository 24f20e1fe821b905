import { ModelsealError, type ErrorCode } from '../errors';
import { collisionKey } from './case-fold';
import { quoted } from './display';
import { findUnsafeCharacter } from './unsafe';

/** Why a single file name is refused, or undefined: a character no name may hold. */
export function fileNameProblem(name: string): string | undefined {
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
  // Every distinct prefix (folder or file) once, by its collision key: a packed table, not
  // a tree of Maps (a million names cost ~40 bytes each, not ~300). Keys join segment keys
  // with NUL, which no name holds and no folding makes (a fold may make "/": U+FF0F).
  const seen = new PrefixTable();
  let lastFolder = '';
  for (const name of names) {
    const problem = fileNameProblem(name);
    if (problem) throw new ModelsealError(code, `the file name ${quoted(name)} ${problem}`, { file, details: { name, reason: problem } });
    // Sorted names share their folders: those of the previous name were checked already.
    const slash = name.lastIndexOf('/');
    const folder = slash < 0 ? '' : name.slice(0, slash);
    let start = folder === lastFolder && slash >= 0 ? slash + 1 : 0;
    let key = start > 0 ? seen.lastFolderKey : '';
    while (start <= name.length) {
      let end = name.indexOf('/', start);
      if (end < 0) end = name.length;
      const prefix = name.slice(0, end);
      key = (start === 0 ? '' : `${key}\0`) + collisionKey(name.slice(start, end));
      const other = seen.add(key, prefix);
      if (other !== undefined) {
        throw new ModelsealError(code, `the file names ${quoted(other)} and ${quoted(prefix)} are the same name under Unicode case folding or normalization (one file on macOS and Windows)`, {
          file,
          details: { names: [other, prefix] },
        });
      }
      if (end === slash) seen.lastFolderKey = key;
      start = end + 1;
    }
    lastFolder = folder;
  }
}

function hashText(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function hashUnits(text: Uint16Array, at: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = at; i < at + length; i++) h = Math.imul(h ^ text[i], 0x01000193);
  return h >>> 0;
}

/** Collision keys and the prefixes written for them, UTF-16 code units packed in growing arrays. */
class PrefixTable {
  lastFolderKey = '';
  private text: Uint16Array = new Uint16Array(1 << 16);
  private used = 0;
  /** Per entry: where its key starts, its key length, its written prefix's length (0: same as the key). */
  private start: Uint32Array = new Uint32Array(1024);
  private keyLength: Uint32Array = new Uint32Array(1024);
  private writtenLength: Uint32Array = new Uint32Array(1024);
  private count = 0;
  private slots = new Int32Array(2048).fill(-1);

  /** Records `key` for `prefix`; returns the prefix recorded before for the same key when it differs. */
  add(key: string, prefix: string): string | undefined {
    if ((this.count + 1) * 2 > this.slots.length) this.rehash();
    for (let s = hashText(key) & (this.slots.length - 1); ; s = (s + 1) & (this.slots.length - 1)) {
      const e = this.slots[s];
      if (e === -1) {
        this.slots[s] = this.append(key, prefix);
        return undefined;
      }
      if (this.keyEquals(e, key)) {
        const written = this.written(e);
        return written === prefix ? undefined : written;
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
    return w === 0 ? this.decode(at, k).split('\0').join('/') : this.decode(at + k, w);
  }

  private decode(at: number, length: number): string {
    let out = '';
    for (let i = 0; i < length; i += 4096) out += String.fromCharCode(...this.text.subarray(at + i, at + Math.min(length, i + 4096)));
    return out;
  }

  private append(key: string, prefix: string): number {
    const sameAsKey = prefix === key.split('\0').join('/');
    const need = key.length + (sameAsKey ? 0 : prefix.length);
    while (this.used + need > this.text.length) this.text = grow(this.text, this.text.length * 2);
    if (this.used + need > 0xffffffff) throw new RangeError('file names exceed 4 G code units');
    if (this.count === this.start.length) {
      const n = this.count * 2;
      this.start = grow(this.start, n);
      this.keyLength = grow(this.keyLength, n);
      this.writtenLength = grow(this.writtenLength, n);
    }
    const e = this.count++;
    this.start[e] = this.used;
    this.keyLength[e] = key.length;
    this.writtenLength[e] = sameAsKey ? 0 : prefix.length;
    for (let i = 0; i < key.length; i++) this.text[this.used++] = key.charCodeAt(i);
    if (!sameAsKey) for (let i = 0; i < prefix.length; i++) this.text[this.used++] = prefix.charCodeAt(i);
    return e;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = this.slots.length - 1;
    for (let e = 0; e < this.count; e++) {
      let s = hashUnits(this.text, this.start[e], this.keyLength[e]) & mask;
      while (this.slots[s] !== -1) s = (s + 1) & mask;
      this.slots[s] = e;
    }
  }
}

function grow<T extends Uint16Array | Uint32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
