/**
 * Reads a signature bundle file holding ONE copy of its large payload. The bundle of a
 * 1.28 M-file dataset is a ~300 MB JSON file whose dsseEnvelope.payload is one ~300 MB
 * base64 string; reading the file, parsing it into a JS string and decoding it, then
 * building the DSSE PAE would hold about four copies. Here the file is streamed
 * through a small state machine that follows JSON string boundaries: a large string
 * is decoded on the fly into a buffer with room for the PAE header in front (see
 * reservePreAuthHeadroom) and replaced by an unguessable placeholder in the
 * "skeleton", the rest of the JSON text, which the strict reader then parses.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import { ModelsealError } from '../errors';
import { reservePreAuthHeadroom } from './dsse';
import { maxBundleBytes, openBoundedFile, parseJson, readFully } from './read-json';
import { maxResources } from './signature-limit';

/** Bytes read per system call. */
const READ_CHUNK = 4 * 1024 * 1024;
/** Strings longer than this (content bytes, as written) must be the base64 payload. */
export const LARGE_STRING_BYTES = 1024 * 1024;
/**
 * Base64 text decoded per string: small enough for V8's young generation (a 4 MiB
 * string lives in large-object space until a full collection, and they pile up).
 */
const DECODE_PIECE = 64 * 1024;
/** Room before the decoded payload for the PAE header ("DSSEv1 <n> <type> <n> "). */
export const PAE_HEADROOM = 512;

export interface BundleFileOptions {
  /** Whether the file is a COSE message, from its first bytes (then it is read whole). */
  isCose?: (firstBytes: Buffer) => boolean;
  /** Also give the SHA-256 of the file's bytes as read (reports name exactly the file that was read). */
  sha256?: boolean;
  /** Internal, for tests. */
  maxBytes?: number;
  chunkSize?: number;
  largeString?: number;
}

export type SignatureFileContent = (
  | { kind: 'cose'; bytes: Buffer }
  /** `payload`: dsseEnvelope.payload, decoded, when it was a large string (json then holds it lazily). */
  | { kind: 'json'; json: unknown; payload?: Buffer }
) & { sha256?: string };

const WHAT = 'the signature file';
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const PAD = 0x3d;

function invalid(file: string, message: string): ModelsealError {
  return new ModelsealError('BUNDLE_INVALID', `${WHAT} ${message}`, { file });
}

function sizeText(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

/** A growable byte buffer for the skeleton. */
class ByteSink {
  private buf = Buffer.allocUnsafe(64 * 1024);
  length = 0;

  append(src: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    this.buf.set(src.subarray(start, end), this.length);
    this.length += end - start;
  }

  appendText(text: string): void {
    this.reserve(Buffer.byteLength(text));
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  view(start: number, end = this.length): Buffer {
    return this.buf.subarray(start, end);
  }

  truncate(length: number): void {
    this.length = length;
  }

  private reserve(more: number): void {
    if (this.length + more <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + more));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}

const COMMON = 1;
const STANDARD_ONLY = 2;
const URL_SAFE_ONLY = 3;
const CLASS = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') CLASS[c.charCodeAt(0)] = COMMON;
CLASS[0x2b] = CLASS[0x2f] = STANDARD_ONLY; // + /
CLASS[0x2d] = CLASS[0x5f] = URL_SAFE_ONLY; // - _

/**
 * Checks and decodes one base64 string fed in pieces, by the rules of decodeBase64:
 * one alphabet, "=" padding only at the end, canonical last group. Whole groups are
 * decoded as they come; the last 1 to 4 characters wait in `carry` for the end.
 */
class StreamingBase64 {
  private carry = '';
  private symbols = 0;
  private pad = 0;
  private standard = false;
  private urlSafe = false;
  private written: number;

  constructor(
    private readonly out: Buffer,
    private readonly start: number,
  ) {
    this.written = start;
  }

  /** Returns false when the piece cannot belong to a base64 string. */
  feed(src: Buffer, start: number, end: number): boolean {
    let i = start;
    if (this.pad === 0) {
      for (; i < end; i++) {
        const k = CLASS[src[i]];
        if (k === COMMON) continue;
        if (k === STANDARD_ONLY) this.standard = true;
        else if (k === URL_SAFE_ONLY) this.urlSafe = true;
        else break;
      }
      if (this.standard && this.urlSafe) return false;
      this.decodeGroups(src, start, i);
    }
    for (; i < end; i++) if (src[i] !== PAD || ++this.pad > 2) return false;
    return true;
  }

  /** Decodes the last group; returns false unless the whole string was canonical base64. */
  finish(): boolean {
    if (this.symbols % 4 === 1 || (this.pad > 0 && (this.symbols + this.pad) % 4 !== 0)) return false;
    const last = Buffer.from(this.carry, 'base64');
    if (last.toString(this.encoding()).replace(/=+$/, '') !== this.carry) return false;
    this.written += last.copy(this.out, this.written);
    return true;
  }

  payload(): Buffer {
    return this.out.subarray(this.start, this.written);
  }

  /** The base64 text as it was written (for the JSON handed to Sigstore). */
  reencode(bytes: Buffer): string {
    return bytes.toString(this.encoding()).replace(/=+$/, '') + '='.repeat(this.pad);
  }

  private encoding(): 'base64' | 'base64url' {
    return this.urlSafe ? 'base64url' : 'base64';
  }

  private decodeGroups(src: Buffer, start: number, end: number): void {
    for (let piece = start; piece < end; piece += DECODE_PIECE) this.decodePiece(src, piece, Math.min(end, piece + DECODE_PIECE));
  }

  private decodePiece(src: Buffer, start: number, end: number): void {
    this.symbols += end - start;
    const text = this.carry + src.toString('latin1', start, end);
    const whole = text.length - (text.length % 4 || 4);
    if (whole > 0) this.written += this.out.write(text.slice(0, whole), this.written, 'base64');
    this.carry = text.slice(whole);
  }
}

const OUTSIDE = 0;
const IN_STRING = 1;
const ESCAPED = 2;
const IN_LARGE = 3;

/**
 * The byte state machine: copies everything but the one large string into the
 * skeleton, and decodes that string into the payload buffer.
 */
class SkeletonBuilder {
  readonly skeleton = new ByteSink();
  readonly placeholder = `modelseal-decoded-payload-${randomBytes(16).toString('hex')}`;
  private state = OUTSIDE;
  private stringBytes = 0;
  /** Content bytes of the large string in the file, once it has closed. */
  private largeBytes = 0;
  private contentStart = 0;
  private large?: StreamingBase64;
  private decoded?: Buffer;

  constructor(
    private readonly file: string,
    private readonly fileSize: number,
    readonly largeString: number,
  ) {}

  consume(chunk: Buffer): void {
    let runStart = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.state === IN_LARGE) {
        const end = this.consumeLarge(chunk, i);
        runStart = end; // the closing quote, if any, goes to the skeleton
        i = end + 1;
        continue;
      }
      const b = chunk[i++];
      if (this.state === OUTSIDE) {
        if (b === QUOTE) this.openString(this.skeleton.length + i - runStart);
      } else if (this.state === IN_STRING && b === QUOTE) {
        this.state = OUTSIDE;
      } else {
        this.state = this.state === IN_STRING && b === BACKSLASH ? ESCAPED : IN_STRING;
        if (++this.stringBytes > this.largeString) {
          this.skeleton.append(chunk, runStart, i);
          this.startLarge();
          runStart = i;
        }
      }
    }
    if (this.state !== IN_LARGE) this.skeleton.append(chunk, runStart, chunk.length);
  }

  /** The decoded large payload, once its string has closed. */
  payload(): Buffer | undefined {
    return this.decoded;
  }

  reencode(bytes: Buffer): string {
    return (this.large as StreamingBase64).reencode(bytes);
  }

  /** Parse errors name offsets in the file, not in the skeleton (the placeholder is shorter than the payload). */
  fileOffset(position: number, skeleton: Buffer): number {
    const at = this.decoded ? skeleton.indexOf(this.placeholder) : -1;
    return at >= 0 && position >= at + this.placeholder.length ? position + this.largeBytes - this.placeholder.length : position;
  }

  private openString(contentStart: number): void {
    this.state = IN_STRING;
    this.stringBytes = 0;
    this.contentStart = contentStart;
  }

  /** The string just grew past the threshold: carry its content over to the decoder. */
  private startLarge(): void {
    const tooLarge = `holds a string over ${sizeText(this.largeString)}`;
    if (this.large) throw invalid(this.file, `${tooLarge} besides dsseEnvelope.payload (only the payload may be that large)`);
    const out = Buffer.allocUnsafe(PAE_HEADROOM + Math.ceil((this.fileSize * 3) / 4));
    this.large = new StreamingBase64(out, PAE_HEADROOM);
    if (!this.large.feed(this.skeleton.view(this.contentStart), 0, this.skeleton.length - this.contentStart)) this.notBase64();
    this.skeleton.truncate(this.contentStart);
    this.skeleton.appendText(this.placeholder);
    this.state = IN_LARGE;
  }

  /** Feeds large-string bytes from `i`; returns the offset of the closing quote, else the chunk length. */
  private consumeLarge(chunk: Buffer, i: number): number {
    const quote = chunk.indexOf(QUOTE, i);
    const end = quote < 0 ? chunk.length : quote;
    const large = this.large as StreamingBase64;
    // A backslash is not base64: an escape inside the payload is refused here.
    if (!large.feed(chunk, i, end)) this.notBase64();
    this.stringBytes += end - i;
    if (quote >= 0) {
      if (!large.finish()) this.notBase64();
      this.largeBytes = this.stringBytes;
      this.decoded = large.payload();
      reservePreAuthHeadroom(this.decoded, PAE_HEADROOM);
      this.state = OUTSIDE;
    }
    return end;
  }

  private notBase64(): never {
    throw invalid(this.file, `holds a string over ${sizeText(this.largeString)} that is not canonical base64 without escapes (only dsseEnvelope.payload may be that large)`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Puts the large string back where it was, as base64 text produced on first use only
 * (Sigstore verification reads it; key verification never does).
 */
function restoreLazily(owner: Record<string, unknown>, key: string, encode: () => string): void {
  const settle = (value: unknown) => Object.defineProperty(owner, key, { value, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(owner, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      const text = encode();
      settle(text);
      return text;
    },
    set: settle,
  });
}

function resolvePayload(json: unknown, builder: SkeletonBuilder, file: string): Buffer {
  const payload = builder.payload() as Buffer;
  const env = isObject(json) ? json.dsseEnvelope : undefined;
  if (!isObject(env) || env.payload !== builder.placeholder) {
    throw invalid(file, `holds a string over ${sizeText(builder.largeString)} outside dsseEnvelope.payload (only the payload may be that large)`);
  }
  restoreLazily(env, 'payload', () => builder.reencode(payload));
  return payload;
}

function readCose(fd: number, size: number, first: Buffer, hash: Hash | undefined): Buffer {
  const bytes = Buffer.alloc(size);
  first.copy(bytes);
  const read = bytes.subarray(0, first.length + readFully(fd, bytes, first.length, size, first.length));
  hash?.update(read);
  return read;
}

function readJson(fd: number, size: number, first: Buffer, builder: SkeletonBuilder, chunk: Buffer, hash: Hash | undefined): SkeletonBuilder {
  hash?.update(first);
  builder.consume(first);
  for (let position = first.length; position < size; ) {
    const n = readFully(fd, chunk, 0, Math.min(chunk.length, size - position), position);
    if (n === 0) break;
    hash?.update(chunk.subarray(0, n));
    builder.consume(chunk.subarray(0, n));
    position += n;
  }
  return builder;
}

function readOpen(fd: number, size: number, file: string, options: BundleFileOptions, hash: Hash | undefined): Buffer | SkeletonBuilder {
  const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(options.chunkSize ?? READ_CHUNK, size)));
  const first = chunk.subarray(0, readFully(fd, chunk, 0, chunk.length, 0));
  if (options.isCose?.(first)) return readCose(fd, size, first, hash);
  return readJson(fd, size, first, new SkeletonBuilder(file, size, options.largeString ?? LARGE_STRING_BYTES), chunk, hash);
}

/**
 * Reads a signature file with the checks of readBoundedFile (same codes and messages),
 * as a COSE message (whole) or a JSON bundle whose only large string, the DSSE payload,
 * comes decoded, in a buffer that also serves as its PAE.
 */
export function readSignatureFileContent(file: string, options: BundleFileOptions = {}): SignatureFileContent {
  const limitHint = options.maxBytes === undefined ? `(signatures of up to ${maxResources()} resources: set MODELSEAL_MAX_RESOURCES, on both sides, for larger ones)` : undefined;
  const { fd, size } = openBoundedFile(file, options.maxBytes ?? maxBundleBytes(), { notFound: 'SIGNATURE_NOT_FOUND', tooLarge: 'BUNDLE_INVALID', ...(limitHint ? { limitHint } : {}) });
  const hash = options.sha256 ? createHash('sha256') : undefined;
  let read: Buffer | SkeletonBuilder;
  try {
    read = readOpen(fd, size, file, options, hash);
  } finally {
    fs.closeSync(fd);
  }
  const sha256 = hash ? { sha256: hash.digest('hex') } : {};
  if (Buffer.isBuffer(read)) return { kind: 'cose', bytes: read, ...sha256 };
  const builder = read;
  const json = parseJson(read.skeleton.view(0), file, 'BUNDLE_INVALID', WHAT, { offsetOf: (position, input) => builder.fileOffset(position, input) });
  if (read.payload() === undefined) return { kind: 'json', json, ...sha256 };
  return { kind: 'json', json, payload: resolvePayload(json, read, file), ...sha256 };
}
