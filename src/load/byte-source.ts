/**
 * A random-access view of bytes (a file, a zip entry, a verified prefix) that the
 * format analysers read through, so nothing larger than what they look at is held
 * in memory: opcodes and headers are read, tensor data is skipped by offset.
 */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset` (callers check bounds against `size` first). */
  read(offset: number, length: number): Buffer;
}

export function bufferSource(buf: Buffer): ByteSource {
  return { size: buf.length, read: (o, n) => buf.subarray(o, o + n) };
}

export function sliceSource(src: ByteSource, start: number, size: number): ByteSource {
  return { size, read: (o, n) => src.read(start + o, n) };
}

/** Reads through a window so that opcode-by-opcode reads do not hit the file one byte at a time. */
export class WindowReader {
  private winStart = 0;
  private win: Buffer = Buffer.alloc(0);
  constructor(
    readonly src: ByteSource,
    private readonly windowSize = 1 << 20,
  ) {}

  /** `length` bytes at `offset`; the caller has checked that they exist. */
  bytes(offset: number, length: number): Buffer {
    if (offset >= this.winStart && offset + length <= this.winStart + this.win.length) {
      return this.win.subarray(offset - this.winStart, offset - this.winStart + length);
    }
    if (length > this.windowSize / 2) return this.src.read(offset, length);
    const n = Math.min(this.windowSize, this.src.size - offset);
    this.win = this.src.read(offset, n);
    this.winStart = offset;
    return this.win.subarray(0, length);
  }

  /** Offset of the next byte equal to `b` at or after `offset` within `max` bytes; -1 when none. */
  indexOf(b: number, offset: number, max: number): number {
    const end = Math.min(this.src.size, offset + max);
    for (let o = offset; o < end; ) {
      const len = Math.min(64 * 1024, end - o);
      const chunk = this.bytes(o, len);
      const i = chunk.indexOf(b);
      if (i >= 0) return o + i;
      o += len;
    }
    return -1;
  }
}
