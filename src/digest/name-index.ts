/**
 * Finds a name among the packed names of a list (ResourceList or a list of signed paths)
 * without a Map of strings: an open-addressing table of indices, 8 bytes per name.
 * A million-entry Map<string, …> costs ~100 bytes per entry.
 */
import { finishTableHash, FNV_PRIME, TABLE_HASH_SEED } from '../util/table-hash';

export interface NamedList {
  readonly length: number;
  nameBytes(i: number): Buffer;
}

/** The slot hash of a name's bytes (seeded: util/table-hash.ts). */
export function hashBytes(b: Uint8Array): number {
  let h = TABLE_HASH_SEED;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
  return finishTableHash(h);
}

export class NameIndex {
  private slots: Int32Array;
  private mask: number;
  private size = 0;

  constructor(private readonly list: NamedList) {
    let capacity = 16;
    while (capacity < list.length * 2) capacity *= 2;
    this.slots = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  /** Indexes entries 0 … list.length-1; returns the first pair [earlier, later] with the same name, if any. */
  static of(list: NamedList): { index: NameIndex; duplicate?: [number, number] } {
    const index = new NameIndex(list);
    for (let i = 0; i < list.length; i++) {
      const seen = index.insert(i);
      if (seen !== i) return { index, duplicate: [seen, i] };
    }
    return { index };
  }

  /** Adds entry i (its name must be in the list); returns i, or the index already holding that name. */
  insert(i: number): number {
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    const name = this.list.nameBytes(i);
    for (let s = hashBytes(name) & this.mask; ; s = (s + 1) & this.mask) {
      const at = this.slots[s];
      if (at === -1) {
        this.slots[s] = i;
        this.size++;
        return i;
      }
      if (this.list.nameBytes(at).equals(name)) return at;
    }
  }

  /** The index of `name` (UTF-8 bytes or a string), or -1. */
  find(name: Uint8Array | string): number {
    const bytes = typeof name === 'string' ? Buffer.from(name, 'utf8') : name;
    for (let s = hashBytes(bytes) & this.mask; ; s = (s + 1) & this.mask) {
      const at = this.slots[s];
      if (at === -1) return -1;
      if (this.list.nameBytes(at).equals(bytes)) return at;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(-1);
    this.mask = this.slots.length - 1;
    for (const at of old) {
      if (at === -1) continue;
      let s = hashBytes(this.list.nameBytes(at)) & this.mask;
      while (this.slots[s] !== -1) s = (s + 1) & this.mask;
      this.slots[s] = at;
    }
  }
}
