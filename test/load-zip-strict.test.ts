import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readZipEntries, ZipError } from '../src/load/zip-entries';
import { analyzeFile } from '../src/load/file-format';
import { scanFile } from '../src/load/scan-path';
import { cli } from './helpers/cli';
import { tmpDir } from './helpers/tmp';
import { osSystemPickle, pythonBytes, tensorPickle, zipBytes } from './helpers/pickle-bytes';

const src = (b: Buffer) => ({ size: b.length, read: (o: number, n: number) => b.subarray(o, o + n) });
const refusal = (b: Buffer) => {
  try {
    readZipEntries(src(b));
  } catch (err) {
    expect(err).toBeInstanceOf(ZipError);
    return (err as Error).message;
  }
  return 'accepted';
};

interface E { name: string; data: Buffer; localName?: string; localMethod?: number; localSize?: number }
/** Builds a zip field by field so each test can make exactly one part disagree. */
function build(entries: E[], o: { zip64?: 'agree' | 'disagree-count' | 'split'; extraEocd?: boolean; prepend?: number; duplicateOffset?: boolean } = {}): Buffer {
  const parts: Buffer[] = [Buffer.alloc(o.prepend ?? 0)];
  let off = o.prepend ?? 0;
  const cds: Buffer[] = [];
  let firstOff = 0;
  entries.forEach((e, i) => {
    const nb = Buffer.from(e.name);
    const lnb = Buffer.from(e.localName ?? e.name);
    const crc = zlib.crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.localMethod ?? 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.localSize ?? e.data.length, 18);
    local.writeUInt32LE(e.localSize ?? e.data.length, 22);
    local.writeUInt16LE(lnb.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(e.data.length, 20);
    cd.writeUInt32LE(e.data.length, 24);
    cd.writeUInt16LE(nb.length, 28);
    if (i === 0) firstOff = off;
    cd.writeUInt32LE(o.duplicateOffset && i > 0 ? firstOff : off, 42);
    cds.push(Buffer.concat([cd, nb]));
    if (!(o.duplicateOffset && i > 0)) {
      parts.push(local, lnb, e.data);
      off += 30 + lnb.length + e.data.length;
    }
  });
  const cdAll = Buffer.concat(cds);
  const cdOff = off;
  parts.push(cdAll);
  off += cdAll.length;
  const count = entries.length;
  if (o.zip64) {
    const z = Buffer.alloc(56);
    z.writeUInt32LE(0x06064b50, 0);
    z.writeBigUInt64LE(44n, 4);
    z.writeUInt16LE(45, 12);
    z.writeUInt16LE(45, 14);
    const c64 = o.zip64 === 'disagree-count' ? count + 1 : count;
    z.writeBigUInt64LE(BigInt(c64), 24);
    z.writeBigUInt64LE(BigInt(c64), 32);
    z.writeBigUInt64LE(BigInt(cdAll.length), 40);
    z.writeBigUInt64LE(BigInt(cdOff), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(off), 8);
    loc.writeUInt32LE(1, 16);
    parts.push(z, loc);
    off += 76;
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(count, 8);
  eocd.writeUInt16LE(count, 10);
  eocd.writeUInt32LE(cdAll.length, 12);
  eocd.writeUInt32LE(cdOff, 16);
  if (o.extraEocd) parts.push(Buffer.concat([eocd.subarray(0, 20), Buffer.from([0, 0])]));
  parts.push(eocd);
  return Buffer.concat(parts);
}

const pkl = { name: 'archive/data.pkl', data: tensorPickle() };
const raw = { name: 'archive/data/0', data: Buffer.alloc(16) };

describe('strict zip reading: refuse what two readers could read differently', () => {
  it('reads a plain archive, and one with ZIP64 records that agree with the 32-bit ones', () => {
    expect(readZipEntries(src(build([pkl, raw]))).map((e) => e.name)).toEqual([pkl.name, raw.name]);
    expect(readZipEntries(src(build([pkl, raw], { zip64: 'agree' }))).map((e) => e.name)).toEqual([pkl.name, raw.name]);
  });

  it('reads what Python zipfile writes (ZIP64 forced) and real torch.save archives', () => {
    const z = pythonBytes(`
import io, zipfile, sys
b = io.BytesIO()
with zipfile.ZipFile(b, 'w', allowZip64=True) as z:
    with z.open('a/data.pkl', 'w', force_zip64=True) as f: f.write(b'\\x80\\x02N.')
sys.stdout.buffer.write(b.getvalue())`);
    expect(readZipEntries(src(z)).map((e) => e.name)).toEqual(['a/data.pkl']);
  });

  it('refuses a 32-bit end record and a ZIP64 record that list different directories (the readme.txt / data.pkl split)', () => {
    expect(refusal(build([pkl, raw], { zip64: 'disagree-count' }))).toMatch(/disagree/);
  });

  it('refuses more than one end-record candidate', () => {
    expect(refusal(build([pkl], { extraEocd: true }))).toMatch(/end-of-central-directory signatures/);
  });

  it('refuses prepended data (offsets that only some readers shift)', () => {
    // Python's zipfile shifts every offset by the prepended length; others do not.
    expect(refusal(Buffer.concat([Buffer.alloc(100), build([pkl])]))).toMatch(/central directory does not end/);
  });

  it('refuses a local header that names another file, uses another method or other sizes', () => {
    expect(refusal(build([{ ...pkl, localName: 'archive/data.pkX' }]))).toMatch(/local header names another file/);
    expect(refusal(build([{ ...pkl, localMethod: 8 }]))).toMatch(/another compression method/);
    expect(refusal(build([{ ...pkl, localSize: 3 }]))).toMatch(/other sizes/);
  });

  it('refuses duplicate names and overlapping entries', () => {
    expect(refusal(build([pkl, { ...pkl }]))).toMatch(/appears twice/);
    expect(refusal(build([pkl, { ...pkl, name: 'archive/other.pkl', localName: 'archive/other.pkl' }], { duplicateOffset: true }))).toMatch(/local header names another file|overlap/);
  });

  it('refuses non-ASCII names without the UTF-8 flag (cp437 or UTF-8, depending on the reader)', () => {
    expect(refusal(build([{ ...pkl, name: 'archivé/data.pkl' }]))).toMatch(/UTF-8 flag/);
  });

  it('a zip whose analysis is refused is UNSCANNABLE, never SAFE, and never INTERNAL_ERROR', () => {
    const b = build([{ name: 'archive/data.pkl', data: osSystemPickle() }], { zip64: 'disagree-count' });
    const a = analyzeFile('model.pt', src(b).read, b.length);
    expect(a).toMatchObject({ verdict: 'UNSCANNABLE', reasons: [{ code: 'ZIP_INVALID' }] });
  });

  it('refuses a sparse multi-GiB entry in milliseconds with one line', () => {
    // A deflated data.pkl that claims 6 GiB, in a 6 GiB sparse file (a few KB on disk).
    const dir = tmpDir();
    const file = path.join(dir, 'sparse.pt');
    const size = 6 * 1024 ** 3;
    const name = Buffer.from('archive/data.pkl');
    const local = Buffer.alloc(30 + name.length + 20);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(0xffffffff, 18);
    local.writeUInt32LE(0xffffffff, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(20, 28);
    name.copy(local, 30);
    const dataLen = size - 2048 - local.length;
    const extra = Buffer.alloc(4 + 16);
    extra.writeUInt16LE(1, 0);
    extra.writeUInt16LE(16, 2);
    extra.writeBigUInt64LE(BigInt(dataLen) * 4n, 4);
    extra.writeBigUInt64LE(BigInt(dataLen), 12);
    extra.copy(local, 30 + name.length);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(0xffffffff, 20);
    cd.writeUInt32LE(0xffffffff, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt16LE(extra.length, 30);
    const cdAll = Buffer.concat([cd, name, extra]);
    const cdOff = size - 2048;
    const z = Buffer.alloc(56);
    z.writeUInt32LE(0x06064b50, 0);
    z.writeBigUInt64LE(44n, 4);
    z.writeBigUInt64LE(1n, 24);
    z.writeBigUInt64LE(1n, 32);
    z.writeBigUInt64LE(BigInt(cdAll.length), 40);
    z.writeBigUInt64LE(BigInt(cdOff), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(cdOff + cdAll.length), 8);
    loc.writeUInt32LE(1, 16);
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(0xffff, 8);
    eocd.writeUInt16LE(0xffff, 10);
    eocd.writeUInt32LE(0xffffffff, 12);
    eocd.writeUInt32LE(0xffffffff, 16);
    const tail = Buffer.concat([cdAll, z, loc, eocd]);
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, local, 0, local.length, 0);
    fs.writeSync(fd, tail, 0, tail.length, cdOff);
    fs.ftruncateSync(fd, cdOff + tail.length);
    fs.closeSync(fd);
    const t0 = Date.now();
    const r = scanFile(file, 'sparse.pt');
    expect(Date.now() - t0).toBeLessThan(500);
    expect(r.verdict).toBe('UNSCANNABLE');
    expect(r.reasons[0].code).toBe('TOO_LARGE');
    const out = cli(['scan', file]);
    expect(out.status).toBe(1);
    expect(out.stderr).toBe('');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('zipBytes helper archives still read (the writer the other tests use)', () => {
    expect(readZipEntries(src(zipBytes([pkl, raw]))).length).toBe(2);
  });
});
