import { spawnSync } from 'node:child_process';
import * as zlib from 'node:zlib';

/**
 * Byte-level writers for test inputs: pickle opcodes and zip archives, written by hand
 * so tests do not depend on what the scanner under test understands. Nothing here
 * is ever unpickled.
 */
export class PickleWriter {
  private parts: Buffer[] = [];
  op(code: number, ...args: Buffer[]): this {
    this.parts.push(Buffer.from([code]), ...args);
    return this;
  }
  raw(s: string): this {
    this.parts.push(Buffer.from(s, 'latin1'));
    return this;
  }
  proto(v: number): this {
    return this.op(0x80, Buffer.from([v]));
  }
  global(module: string, name: string): this {
    return this.op(0x63, Buffer.from(`${module}\n${name}\n`, 'latin1'));
  }
  shortUnicode(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.op(0x8c, Buffer.from([b.length]), b);
  }
  binUnicode(s: string): this {
    const b = Buffer.from(s, 'utf8');
    const n = Buffer.alloc(4);
    n.writeUInt32LE(b.length);
    return this.op(0x58, n, b);
  }
  binint1(v: number): this {
    return this.op(0x4b, Buffer.from([v]));
  }
  memoize(): this {
    return this.op(0x94);
  }
  binput(i: number): this {
    return this.op(0x71, Buffer.from([i]));
  }
  binget(i: number): this {
    return this.op(0x68, Buffer.from([i]));
  }
  stackGlobal(): this {
    return this.op(0x93);
  }
  mark(): this {
    return this.op(0x28);
  }
  tuple(): this {
    return this.op(0x74);
  }
  tuple1(): this {
    return this.op(0x85);
  }
  reduce(): this {
    return this.op(0x52);
  }
  emptyDict(): this {
    return this.op(0x7d);
  }
  setitem(): this {
    return this.op(0x73);
  }
  binpersid(): this {
    return this.op(0x51);
  }
  pop(): this {
    return this.op(0x30);
  }
  stop(): this {
    return this.op(0x2e);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** `os.system("true")` as a protocol-2 pickle: GLOBAL + REDUCE. */
export function osSystemPickle(): Buffer {
  return new PickleWriter().proto(2).global('os', 'system').binUnicode('true').tuple1().reduce().stop().bytes();
}

/**
 * What torch.save writes for {"weight": tensor} (protocol 2): an OrderedDict whose
 * value is rebuilt by torch._utils._rebuild_tensor_v2 from a persistent storage id.
 */
export function tensorPickle(): Buffer {
  const w = new PickleWriter().proto(2);
  w.global('collections', 'OrderedDict').op(0x29).reduce().binput(0); // od = OrderedDict()
  w.binUnicode('weight');
  w.global('torch._utils', '_rebuild_tensor_v2');
  w.mark();
  w.mark().binUnicode('storage').global('torch', 'FloatStorage').binUnicode('0').binUnicode('cpu').binint1(4).tuple().binpersid();
  w.binint1(0); // storage offset
  w.binint1(4).tuple1(); // size
  w.binint1(1).tuple1(); // stride
  w.op(0x89); // requires_grad = False
  w.global('collections', 'OrderedDict').op(0x29).reduce(); // backward hooks
  w.tuple().reduce(); // tensor = _rebuild_tensor_v2(*args)
  w.setitem().stop();
  return w.bytes();
}

/** Runs a Python snippet that writes bytes to stdout (pickle.dumps only; nothing is loaded). */
export function pythonBytes(code: string, python = 'python3'): Buffer {
  const r = spawnSync(python, ['-c', code], { encoding: 'buffer', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${python} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** A zip archive with the given entries, stored (method 0) or deflated (method 8). */
export function zipBytes(entries: Array<{ name: string; data: Buffer; deflate?: boolean }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.deflate ? zlib.deflateRawSync(e.data) : e.data;
    const crc = zlib.crc32(e.data);
    const method = e.deflate ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** A well-formed safetensors file with the given F32 tensors. */
export function safetensorsBytes(tensors: Record<string, number[]>, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const datas: Buffer[] = [];
  let off = 0;
  for (const [name, values] of Object.entries(tensors)) {
    const b = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => b.writeFloatLE(v, i * 4));
    header[name] = { dtype: 'F32', shape: [values.length], data_offsets: [off, off + b.length] };
    datas.push(b);
    off += b.length;
  }
  return safetensorsRaw(header, Buffer.concat(datas));
}

/** A safetensors file from an explicit header object and data area (to build malformed ones). */
export function safetensorsRaw(header: unknown, data: Buffer, headerLength?: bigint): Buffer {
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(headerLength ?? BigInt(json.length));
  return Buffer.concat([len, json, data]);
}
