/**
 * The resources of a manifest, packed: names as UTF-8 in one buffer, digests as raw bytes
 * in another, an algorithm index per resource. A million-file dataset costs its name bytes
 * plus 4 + 1 + digest bytes per resource, instead of an object and two strings (~200
 * bytes) each. `Manifest.resources` (an array of objects) is made from it only when a
 * caller asks for it; sign, verify and the file match read the packed form.
 */
import type { Hash } from 'node:crypto';
import { ModelsealError } from '../errors';
import { quoted } from '../names';

/** One entry of the signed resource list: a whole file, or a shard named `path:start:end`. */
const HEX = /^[0-9a-fA-F]*$/;
const LONE_SURROGATE = /\p{Cs}/u;

export interface ResourceDigest {
  name: string;
  algorithm: string;
  digest: string;
}

export class ResourceList implements Iterable<ResourceDigest> {
  constructor(
    /** UTF-8 names, back to back; name i is bytes [ends[i-1], ends[i]). */
    private readonly names: Buffer,
    private readonly ends: Uint32Array,
    /** Raw digests, `width` bytes each, in listed order. */
    readonly digests: Buffer,
    readonly width: number,
    private readonly algorithmOf: Uint8Array,
    private readonly algorithms: readonly string[],
  ) {}

  get length(): number {
    return this.ends.length;
  }

  private start(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1];
  }

  name(i: number): string {
    return this.names.toString('utf8', this.start(i), this.ends[i]);
  }

  nameBytes(i: number): Buffer {
    return this.names.subarray(this.start(i), this.ends[i]);
  }

  algorithm(i: number): string {
    return this.algorithms[this.algorithmOf[i]];
  }

  digest(i: number): string {
    return this.digests.toString('hex', i * this.width, (i + 1) * this.width);
  }

  digestBytes(i: number): Buffer {
    return this.digests.subarray(i * this.width, (i + 1) * this.width);
  }

  at(i: number): ResourceDigest {
    return { name: this.name(i), algorithm: this.algorithm(i), digest: this.digest(i) };
  }

  *[Symbol.iterator](): Iterator<ResourceDigest> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  toArray(): ResourceDigest[] {
    return Array.from(this);
  }

  /** Feeds everything the list holds (names, digests, algorithms, in order) to a hash. */
  fingerprint(h: Hash): void {
    h.update(JSON.stringify(this.algorithms)).update(this.algorithmOf);
    h.update(new Uint8Array(this.ends.buffer, this.ends.byteOffset, this.ends.byteLength)).update(this.names).update(this.digests);
  }

  /** The same resources, all under one algorithm (for resources checked to carry it), not copied. */
  withAlgorithm(algorithm: string): ResourceList {
    return new ResourceList(this.names, this.ends, this.digests, this.width, new Uint8Array(this.length), [algorithm]);
  }

  /**
   * The lists back to back (or, with `order`, the resources of a single list in that order),
   * copied into one list under one algorithm: for resources already checked to carry it.
   */
  static joined(lists: readonly ResourceList[], algorithm: string, order?: ArrayLike<number>): ResourceList {
    const width = lists.length > 0 ? lists[0].width : 0;
    let count = 0;
    let nameBytes = 0;
    if (order && lists.length !== 1) throw new RangeError('internal: an order applies to one list');
    for (const l of lists) {
      if (l.width !== width) throw new RangeError('internal: joining lists of different digest widths');
      count += order ? order.length : l.length;
      nameBytes += l.names.length;
    }
    const names = Buffer.allocUnsafe(nameBytes);
    const ends = new Uint32Array(count);
    const digests = Buffer.allocUnsafe(count * width);
    let o = 0;
    let k = 0;
    for (const l of lists) {
      const n = order ? order.length : l.length;
      for (let j = 0; j < n; j++, k++) {
        const i = order ? order[j] : j;
        o += l.names.copy(names, o, l.start(i), l.ends[i]);
        ends[k] = o;
        l.digests.copy(digests, k * width, i * width, (i + 1) * width);
      }
    }
    return new ResourceList(names.subarray(0, o), ends, digests, width, new Uint8Array(count), [algorithm]);
  }

  static from(resources: ReadonlyArray<ResourceDigest>): ResourceList {
    const width = resources.length > 0 ? resources[0].digest.length / 2 : 32;
    const b = new ResourceListBuilder(width);
    for (const r of resources) b.add(r.name, r.algorithm, r.digest);
    return b.finish();
  }
}

/**
 * Appends resources one at a time. Buffers grow geometrically; give the expected count and
 * name bytes when known (an upper bound costs nothing: pages never written are never
 * resident), and the list is a view of them, not a copy.
 */
export class ResourceListBuilder {
  private names: Buffer;
  private nameBytes = 0;
  private ends: Uint32Array;
  private digests: Buffer;
  private algorithmOf: Uint8Array;
  private readonly algorithms: string[] = [];
  private count = 0;

  constructor(
    readonly width: number,
    expected = 16,
    nameBytesHint = expected * 32,
  ) {
    this.names = Buffer.allocUnsafe(Math.max(64, nameBytesHint));
    this.ends = new Uint32Array(Math.max(4, expected));
    this.digests = Buffer.allocUnsafe(Math.max(4, expected) * width);
    this.algorithmOf = new Uint8Array(Math.max(4, expected));
  }

  get length(): number {
    return this.count;
  }

  private room(nameLength: number): void {
    if (this.count === this.ends.length) {
      const n = this.ends.length * 2;
      const ends = new Uint32Array(n);
      ends.set(this.ends);
      this.ends = ends;
      const algorithmOf = new Uint8Array(n);
      algorithmOf.set(this.algorithmOf);
      this.algorithmOf = algorithmOf;
      const digests = Buffer.allocUnsafe(n * this.width);
      this.digests.copy(digests);
      this.digests = digests;
    }
    if (this.nameBytes + nameLength > this.names.length) {
      const names = Buffer.allocUnsafe(Math.max(this.names.length * 2, this.nameBytes + nameLength));
      this.names.copy(names, 0, 0, this.nameBytes);
      this.names = names;
    }
    if (this.nameBytes + nameLength > 0xffffffff) throw new RangeError('resource names exceed 4 GiB');
  }

  private algorithmIndex(algorithm: string): number {
    let k = this.algorithms.indexOf(algorithm);
    if (k < 0) {
      if (this.algorithms.length === 256) throw new ModelsealError('MANIFEST_INVALID', 'the resources name more than 256 distinct algorithms');
      k = this.algorithms.push(algorithm) - 1;
    }
    return k;
  }

  /** `digest` is hex (width × 2 characters, not checked here) or raw bytes (width bytes). */
  add(name: string, algorithm: string, digest: string | Uint8Array): void {
    // UTF-8 would carry it as U+FFFD: a different name than the one given (or signed).
    if (LONE_SURROGATE.test(name)) throw new ModelsealError('MANIFEST_INVALID', `resource name ${quoted(name)} holds an unpaired UTF-16 surrogate, which no file name can be`);
    const length = Buffer.byteLength(name, 'utf8');
    this.room(length);
    this.names.write(name, this.nameBytes, 'utf8');
    this.nameBytes += length;
    const at = this.count * this.width;
    if (typeof digest === 'string') {
      // Buffer.write stops silently at the first non-hex character: never leave bytes unwritten.
      if (digest.length !== this.width * 2 || !HEX.test(digest)) throw new ModelsealError('MANIFEST_INVALID', `resource ${quoted(name)} has a malformed digest`);
      this.digests.write(digest, at, this.width, 'hex');
    }
    else this.digests.set(digest.subarray(0, this.width), at);
    this.ends[this.count] = this.nameBytes;
    this.algorithmOf[this.count] = this.algorithmIndex(algorithm);
    this.count++;
  }

  /** The names added, with digests held elsewhere already in listed order (one algorithm for all). */
  finishWith(digests: Buffer, width: number, algorithm: string): ResourceList {
    const n = this.count;
    if (digests.length !== n * width) throw new RangeError(`internal: ${digests.length} digest bytes for ${n} resources`);
    const list = new ResourceList(this.names.subarray(0, this.nameBytes), this.ends.subarray(0, n), digests, width, new Uint8Array(n), [algorithm]);
    this.names = Buffer.alloc(0);
    return list;
  }

  finish(): ResourceList {
    const n = this.count;
    const list = new ResourceList(this.names.subarray(0, this.nameBytes), this.ends.subarray(0, n), this.digests.subarray(0, n * this.width), this.width, this.algorithmOf.subarray(0, n), this.algorithms);
    this.names = Buffer.alloc(0);
    this.digests = Buffer.alloc(0);
    return list;
  }
}
