import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanPickle, PickleError, isDangerousGlobal } from '../src/load/pickle-scan';
import { analyzeFile, scanStatus } from '../src/load/file-format';
import { checkSafetensorsHeader } from '../src/load/safetensors';
import { cli } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';
import { PickleWriter, osSystemPickle, pythonBytes, safetensorsBytes, safetensorsRaw, tensorPickle, zipBytes } from './helpers/pickle-bytes';

const MALICIOUS_PY = (protocol: number) => `
import os, pickle, sys
class Evil:
    def __reduce__(self):
        return (os.system, ('true',))
sys.stdout.buffer.write(pickle.dumps(Evil(), protocol=${protocol}))`;

// A stand-in torch module so pickle.dumps can name torch globals; nothing is ever loaded.
const TENSOR_PY = (protocol: number) => `
import sys, types, pickle, collections
torch = types.ModuleType('torch'); utils = types.ModuleType('torch._utils')
def _rebuild_tensor_v2(*args): pass
_rebuild_tensor_v2.__module__ = 'torch._utils'; utils._rebuild_tensor_v2 = _rebuild_tensor_v2
class FloatStorage: pass
FloatStorage.__module__ = 'torch'; torch.FloatStorage = FloatStorage; torch._utils = utils
sys.modules['torch'] = torch; sys.modules['torch._utils'] = utils
class Tensor:
    def __reduce__(self):
        return (_rebuild_tensor_v2, (FloatStorage, 0, (4,), (1,), False, collections.OrderedDict()))
sys.stdout.buffer.write(pickle.dumps(collections.OrderedDict(weight=Tensor(), bias=Tensor()), protocol=${protocol}))`;

/** All Python-made pickles in one interpreter run (startup is slow on a busy machine). */
const PY: Record<string, Buffer> = {};
beforeAll(() => {
  const script = [0, 1, 2, 3, 4, 5]
    .flatMap((p) => [
      `exec(${JSON.stringify(MALICIOUS_PY(p).replace('sys.stdout.buffer.write(', 'out["mal' + p + '"] = (').trim())})`,
      `exec(${JSON.stringify(TENSOR_PY(p).replace('sys.stdout.buffer.write(', 'out["ten' + p + '"] = (').trim())})`,
    ])
    .join('\n');
  const json = pythonBytes(`import json, sys\nout = {}\n${script}\nsys.stdout.write(json.dumps({k: v.hex() for k, v in out.items()}))`).toString();
  for (const [k, v] of Object.entries(JSON.parse(json) as Record<string, string>)) PY[k] = Buffer.from(v, 'hex');
});

const names = (b: Buffer) => scanPickle(b).imports.map((i) => `${i.module}.${i.name}`);

describe('pickle opcode scanner', () => {
  it('flags GLOBAL os.system in a hand-written pickle', () => {
    const scan = scanPickle(osSystemPickle());
    expect(scan.imports).toEqual([{ module: 'os', name: 'system', dangerous: true }]);
    expect(scan.dangers).toEqual(['imports os.system']);
  });

  it('resolves STACK_GLOBAL through memoized strings (MEMOIZE and BINPUT/BINGET)', () => {
    const viaMemo = new PickleWriter().proto(4).shortUnicode('subprocess').memoize().shortUnicode('Popen').memoize().stackGlobal().stop().bytes();
    expect(names(viaMemo)).toEqual(['subprocess.Popen']);
    const viaGet = new PickleWriter().proto(4).shortUnicode('builtins').binput(7).pop().binget(7).shortUnicode('eval').stackGlobal().stop().bytes();
    const scan = scanPickle(viaGet);
    expect(scan.imports).toEqual([{ module: 'builtins', name: 'eval', dangerous: true }]);
  });

  it('flags a STACK_GLOBAL whose operands are not constant strings', () => {
    const b = new PickleWriter().proto(4).shortUnicode('os').binint1(3).stackGlobal().stop().bytes();
    expect(scanPickle(b).dangers[0]).toMatch(/not a constant string/);
  });

  it('flags extension-registry imports (EXT1), which cannot be resolved statically', () => {
    const b = new PickleWriter().proto(2).op(0x82, Buffer.from([1])).stop().bytes();
    expect(scanPickle(b).dangers[0]).toMatch(/extension code 1/);
  });

  it.each([0, 1, 2, 3, 4, 5])("flags Python's pickle of os.system at protocol %i", (protocol) => {
    const scan = scanPickle(PY[`mal${protocol}`]);
    expect(scan.imports.map((i) => i.module + '.' + i.name)).toEqual(['posix.system']);
    expect(scan.imports[0].dangerous).toBe(true);
  });

  it.each([0, 2, 4, 5])('reports but does not flag a pickle that only builds tensors (protocol %i)', (protocol) => {
    const scan = scanPickle(PY[`ten${protocol}`]);
    expect(new Set(scan.imports.map((i) => `${i.module}.${i.name}`))).toEqual(new Set(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch.FloatStorage']));
    expect(scan.dangers).toEqual([]);
    expect(scan.imports.every((i) => !i.dangerous)).toBe(true);
  });

  it('reports the hand-written torch tensor pickle as clean', () => {
    const scan = scanPickle(tensorPickle());
    expect(names(tensorPickle())).toEqual(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch.FloatStorage']);
    expect(scan.dangers).toEqual([]);
  });

  it('scans every pickle of a legacy torch file (pickles in a row, then raw data)', () => {
    const legacy = Buffer.concat([new PickleWriter().proto(2).binint1(1).stop().bytes(), osSystemPickle(), Buffer.from([1, 2, 3, 4])]);
    const scan = scanPickle(legacy);
    expect(scan.pickles).toBe(2);
    expect(scan.dangers).toEqual(['imports os.system']);
  });

  it('refuses truncated pickles, unknown opcodes and stack underflow', () => {
    const full = osSystemPickle();
    expect(() => scanPickle(full.subarray(0, full.length - 3))).toThrow(PickleError);
    expect(() => scanPickle(Buffer.from([0x80, 2, 0xff]))).toThrow(/unknown pickle opcode 0xff/);
    expect(() => scanPickle(new PickleWriter().proto(2).reduce().bytes())).toThrow(/stack underflow/);
    expect(() => scanPickle(new PickleWriter().proto(2).binget(3).bytes())).toThrow(/memo entry 3/);
  });

  it('knows dangerous modules by prefix and dangerous builtins by name', () => {
    expect(isDangerousGlobal('os.path', 'join')).toBe(true);
    expect(isDangerousGlobal('nt', 'system')).toBe(true);
    expect(isDangerousGlobal('builtins', 'getattr')).toBe(true);
    expect(isDangerousGlobal('runpy', '_run_code')).toBe(true);
    expect(isDangerousGlobal('builtins', 'set')).toBe(false);
    expect(isDangerousGlobal('osmosis', 'x')).toBe(false);
    expect(isDangerousGlobal('torch._utils', '_rebuild_tensor_v2')).toBe(false);
  });
});

const readAtOf = (b: Buffer) => (o: number, n: number) => b.subarray(o, o + n);

describe('zip checkpoints and safetensors headers', () => {
  it('finds a dangerous data.pkl inside a PyTorch zip checkpoint (stored entry)', () => {
    const zip = zipBytes([{ name: 'archive/data.pkl', data: osSystemPickle() }, { name: 'archive/data/0', data: Buffer.alloc(16) }, { name: 'archive/version', data: Buffer.from('3\n') }]);
    const a = analyzeFile('pytorch_model.bin', readAtOf(zip), zip.length);
    expect(a.format).toBe('pytorch-zip');
    expect(a.pickles).toHaveLength(1);
    expect(a.pickles[0]).toMatchObject({ entry: 'archive/data.pkl', dangers: ['imports os.system'] });
    expect(scanStatus(a)).toBe('dangerous');
  });

  it('inflates and notes a deflated pickle entry written by Python zipfile', () => {
    const zip = pythonBytes(`
import io, zipfile, sys
b = io.BytesIO()
with zipfile.ZipFile(b, 'w') as z:
    z.writestr('m/data.pkl', ${JSON.stringify(tensorPickle().toString('latin1'))}.encode('latin1'), compress_type=zipfile.ZIP_DEFLATED)
    z.writestr('m/data/0', b'\\0' * 64, compress_type=zipfile.ZIP_STORED)
sys.stdout.buffer.write(b.getvalue())`);
    const a = analyzeFile('model.pt', readAtOf(zip), zip.length);
    expect(a.pickles[0]).toMatchObject({ entry: 'm/data.pkl', compressed: true, dangers: [] });
    expect(a.pickles[0].imports.map((i) => i.name)).toContain('_rebuild_tensor_v2');
    expect(scanStatus(a)).toBe('clean');
  });

  it('accepts a well-formed safetensors header', () => {
    const st = safetensorsBytes({ a: [1, 2, 3], b: [4] }, { format: 'pt' });
    expect(checkSafetensorsHeader(st, st.length)).toEqual({ headerLength: st.readUInt32LE(0), tensors: 2, metadata: { format: 'pt' } });
  });

  it.each([
    ['a header length past the end of the file', safetensorsRaw({}, Buffer.alloc(0), 1000n), /runs past the end/],
    ['overlapping tensors', safetensorsRaw({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, Buffer.alloc(12)), /overlaps/],
    ['an offset past the data area', safetensorsRaw({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, Buffer.alloc(8)), /past the 8-byte data area/],
    ['a dtype/shape that does not fit the bytes', safetensorsRaw({ a: { dtype: 'F16', shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8)), /needs 6/],
    ['an unknown dtype', safetensorsRaw({ a: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, Buffer.alloc(16)), /unknown dtype/],
    ['unreferenced bytes', safetensorsRaw({ a: { dtype: 'U8', shape: [4], data_offsets: [4, 8] } }, Buffer.alloc(8)), /gap/],
    ['a header that is not JSON', Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{abc')]), /not valid UTF-8 JSON/],
  ])('refuses %s', (_what, bytes, message) => {
    expect(() => checkSafetensorsHeader(bytes, bytes.length)).toThrow(message);
    expect(scanStatus(analyzeFile('x.safetensors', readAtOf(bytes), bytes.length))).toBe('invalid');
  });
});

describe('modelseal scan', () => {
  it('flags a pickle importing os.system and exits 1', () => {
    const dir = writeTree(tmpDir(), { 'evil.pkl': PY.mal2, 'model.safetensors': safetensorsBytes({ w: [1, 2] }) });
    const r = cli(['scan', dir, '--json']);
    expect(r.status).toBe(1);
    expect(r.json.flagged).toBe(true);
    const evil = r.json.files.find((f: { name: string }) => f.name === 'evil.pkl');
    expect(evil.status).toBe('dangerous');
    expect(evil.pickles[0].imports).toEqual([{ module: 'posix', name: 'system', dangerous: true }]);
    expect(r.json.files.find((f: { name: string }) => f.name === 'model.safetensors').status).toBe('clean');
    const human = cli(['scan', dir]);
    expect(human.status).toBe(1);
    expect(human.stdout).toMatch(/DANGEROUS\s+evil\.pkl/);
    expect(human.stdout).toContain('!posix.system');
  });

  it('reports the imports of a clean tensor checkpoint without flagging it (exit 0)', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), zipBytes([{ name: 'archive/data.pkl', data: PY.ten2 }, { name: 'archive/data/0', data: Buffer.alloc(16) }]));
    const r = cli(['scan', path.join(dir, 'pytorch_model.bin'), '--json']);
    expect(r.status).toBe(0);
    expect(r.json.files[0]).toMatchObject({ name: '.', format: 'pytorch-zip', status: 'clean' });
    expect(r.json.files[0].pickles[0].imports.map((i: { name: string }) => i.name).sort()).toEqual(['FloatStorage', 'OrderedDict', '_rebuild_tensor_v2']);
  });

  it('exits 2 with a one-line error for a missing path', () => {
    const r = cli(['scan', '/nonexistent/model']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('PATH_NOT_FOUND');
  });
});
