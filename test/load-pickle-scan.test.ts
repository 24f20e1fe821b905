import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanPickle } from '../src/load/pickle-scan';
import { isDangerousGlobal } from '../src/load/pickle-allowlist';
import { escapeDecode, rawUnicodeEscapeDecode, pyInt } from '../src/load/python-literals';
import { analyzeFile } from '../src/load/file-format';
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

const names = (b: Buffer) => scanPickle(b).globals.map((g) => `${g.module}.${g.name}`);
const codes = (b: Buffer, opts = {}) => scanPickle(b, opts).findings.map((f) => f.code);
const verdict = (b: Buffer, opts = {}) => scanPickle(b, opts).verdict;
const latin = (s: string) => Buffer.from(s, 'latin1');

describe('CPython literal decoders', () => {
  it('escape_decode: hex, octal (truncated to a byte), named, unknown escapes kept, backslash-newline dropped', () => {
    expect(escapeDecode(latin('\\x6fs')).toString('latin1')).toBe('os');
    expect(escapeDecode(latin('\\157\\163')).toString('latin1')).toBe('os');
    expect(escapeDecode(latin('\\777'))[0]).toBe(0o777 & 0xff);
    expect(escapeDecode(latin('a\\qb')).toString('latin1')).toBe('a\\qb');
    expect(escapeDecode(latin('a\\\nb')).toString('latin1')).toBe('ab');
    expect(escapeDecode(latin('\\t\\n\\\\\\\'')).toString('latin1')).toBe('\t\n\\\'');
    expect(() => escapeDecode(latin('\\x6'))).toThrow(/invalid \\x escape/);
    expect(() => escapeDecode(latin('abc\\'))).toThrow(/Trailing/);
  });

  it('raw_unicode_escape: \\u only after an odd run of backslashes', () => {
    expect(rawUnicodeEscapeDecode(latin('\\u006fs'))).toBe('os');
    expect(rawUnicodeEscapeDecode(latin('\\\\u006f'))).toBe('\\\\u006f');
    expect(rawUnicodeEscapeDecode(latin('\\\\\\u006f'))).toBe('\\\\o');
    expect(rawUnicodeEscapeDecode(latin('\\U0000006f'))).toBe('o');
    expect(() => rawUnicodeEscapeDecode(latin('\\u00'))).toThrow(/truncated/);
  });

  it('agrees with CPython on a table of escapes', () => {
    const cases = ["\\x6f\\x73", "\\157s", "a\\qb", "\\'x\\\"", "\\0", "\\08", "\\1234", "\\a\\b\\f\\v\\r"];
    const py = JSON.parse(pythonBytes(`import codecs, json, sys\ncases = json.loads(sys.argv[1]) if len(sys.argv) > 1 else ${JSON.stringify(JSON.stringify(cases))}\ncases = json.loads(cases) if isinstance(cases, str) else cases\nsys.stdout.write(json.dumps([codecs.escape_decode(c.encode('latin1'))[0].hex() for c in cases]))`).toString()) as string[];
    expect(cases.map((c) => escapeDecode(latin(c)).toString('hex'))).toEqual(py);
    const uni = ['\\u006fs', '\\\\u006f', '\\\\\\u0041', 'caf\xe9', '\\U0001F600'];
    const pyu = JSON.parse(pythonBytes(`import json, sys\ncases = json.loads(${JSON.stringify(JSON.stringify(uni))})\nsys.stdout.write(json.dumps([c.encode('latin1').decode('raw_unicode_escape') for c in cases]))`).toString()) as string[];
    expect(uni.map((c) => rawUnicodeEscapeDecode(latin(c)))).toEqual(pyu);
  });

  it('int(): whitespace, sign, single underscores', () => {
    expect(pyInt(latin(' 1_0\n'))).toBe(10n);
    expect(pyInt(latin('-3'))).toBe(-3n);
    expect(() => pyInt(latin('1__0'))).toThrow();
    expect(() => pyInt(latin('0x10'))).toThrow();
  });
});

describe('pickle allowlist analyser', () => {
  it('flags GLOBAL os.system in a hand-written pickle as DANGEROUS', () => {
    const scan = scanPickle(osSystemPickle());
    expect(scan.globals).toEqual([{ module: 'os', name: 'system', status: 'dangerous' }]);
    expect(scan.verdict).toBe('DANGEROUS');
  });

  it.each([0, 1, 2, 3, 4, 5])("flags Python's pickle of os.system at protocol %i (protocols found by parsing)", (protocol) => {
    const scan = scanPickle(PY[`mal${protocol}`]);
    expect(scan.globals.map((g) => `${g.module}.${g.name}`)).toEqual(['posix.system']);
    expect(scan.verdict).toBe('DANGEROUS');
  });

  it.each([0, 1, 2, 3, 4, 5])('passes a pickle that only builds tensors (protocol %i)', (protocol) => {
    const scan = scanPickle(PY[`ten${protocol}`]);
    expect(new Set(scan.globals.map((g) => `${g.module}.${g.name}`))).toEqual(new Set(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch.FloatStorage']));
    expect(scan.verdict).toBe('SAFE');
  });

  it('passes the hand-written torch tensor pickle', () => {
    expect(names(tensorPickle())).toEqual(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch.FloatStorage']);
    expect(verdict(tensorPickle())).toBe('SAFE');
  });

  it('is an allowlist: a harmless-looking module that is not listed is UNSAFE_UNKNOWN', () => {
    const b = new PickleWriter().proto(2).global('imaplib', 'IMAP4_stream').binUnicode('id').tuple1().reduce().stop().bytes();
    expect(verdict(b)).toBe('UNSAFE_UNKNOWN');
    expect(codes(b)).toEqual(['UNKNOWN_GLOBAL']);
    // an import alone, never called, is refused too (importing a module runs its code)
    expect(verdict(new PickleWriter().proto(2).global('antigravity', 'x').stop().bytes())).toBe('UNSAFE_UNKNOWN');
    // widened by exact name only
    expect(verdict(b, { allowGlobals: ['imaplib.IMAP4_stream'] })).toBe('SAFE');
    expect(verdict(b, { allowGlobals: ['imaplib.IMAP4'] })).toBe('UNSAFE_UNKNOWN');
  });

  it('resolves STACK_GLOBAL through MEMOIZE, BINPUT/BINGET, LONG_BINPUT/LONG_BINGET and text PUT/GET', () => {
    const viaMemo = new PickleWriter().proto(4).shortUnicode('subprocess').memoize().shortUnicode('Popen').memoize().stackGlobal().stop().bytes();
    expect(names(viaMemo)).toEqual(['subprocess.Popen']);
    const viaGet = new PickleWriter().proto(4).shortUnicode('builtins').binput(7).pop().binget(7).shortUnicode('eval').stackGlobal().stop().bytes();
    expect(scanPickle(viaGet).globals).toEqual([{ module: 'builtins', name: 'eval', status: 'dangerous' }]);
    const viaLong = new PickleWriter().proto(4).shortUnicode('os').op(0x72, Buffer.from([9, 0, 0, 1])).pop().op(0x6a, Buffer.from([9, 0, 0, 1])).shortUnicode('system').stackGlobal().stop().bytes();
    expect(names(viaLong)).toEqual(['os.system']);
    const text = latin("S'os'\np 1_0\n0g10\nS'system'\n\x93.");
    expect(names(text)).toEqual(['os.system']);
  });

  it('decodes STRING/UNICODE operands exactly as CPython (escapes are no way around the allowlist)', () => {
    expect(names(latin("S'\\x6fs'\nS'sys\\164em'\n\x93."))).toEqual(['os.system']);
    expect(names(latin('V\\u006fs\nVsystem\n\x93.'))).toEqual(['os.system']);
    // a STRING must be quoted exactly; no trimming
    expect(codes(latin("S 'os'\n."))).toEqual(['MALFORMED']);
  });

  it('refuses STACK_GLOBAL operands that are not constant strings', () => {
    const b = new PickleWriter().proto(4).shortUnicode('os').binint1(3).stackGlobal().stop().bytes();
    expect(codes(b)).toContain('UNRESOLVED_GLOBAL');
    expect(verdict(b)).toBe('UNSAFE_UNKNOWN');
  });

  it('refuses dotted names that walk from an allowlisted module to anything', () => {
    const b = new PickleWriter().proto(4).shortUnicode('torch').shortUnicode('serialization.os.system').stackGlobal().binUnicode('id').tuple1().reduce().stop().bytes();
    expect(verdict(b)).toBe('DANGEROUS');
    const c = new PickleWriter().proto(4).shortUnicode('collections').shortUnicode('OrderedDict.fromkeys').stackGlobal().stop().bytes();
    expect(verdict(c)).toBe('UNSAFE_UNKNOWN');
  });

  it('maps Python 2 names the way fix_imports does, only below protocol 3', () => {
    expect(scanPickle(latin('c__builtin__\nset\n)R.')).verdict).toBe('SAFE');
    expect(scanPickle(latin('c__builtin__\neval\n.')).verdict).toBe('DANGEROUS');
    expect(scanPickle(Buffer.concat([Buffer.from([0x80, 4]), latin('c__builtin__\nset\n.')])).verdict).toBe('UNSAFE_UNKNOWN');
  });

  it('checks every callable opcode: REDUCE/NEWOBJ/OBJ on a non-global, BUILD on a non-allowlisted object', () => {
    // REDUCE whose callable is the result of another call
    const r = new PickleWriter().proto(2).global('collections', 'OrderedDict').op(0x29).reduce().op(0x29).reduce().stop().bytes();
    expect(codes(r)).toContain('UNSAFE_CALL');
    // BUILD on a global (class attributes)
    const b = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyDict().op(0x62).stop().bytes();
    expect(codes(b)).toContain('UNSAFE_BUILD');
    // BUILD on a plain dict
    expect(codes(new PickleWriter().proto(2).emptyDict().emptyDict().op(0x62).stop().bytes())).toContain('UNSAFE_BUILD');
    // SETITEM on a class
    expect(codes(new PickleWriter().proto(2).global('collections', 'OrderedDict').binint1(1).binint1(2).setitem().stop().bytes())).toContain('UNSAFE_CALL');
    // INST and OBJ of a dangerous class
    expect(verdict(latin("(S'true'\nios\nsystem\n."))).toBe('DANGEROUS');
    expect(verdict(latin("(cos\nsystem\nS'true'\no."))).toBe('DANGEROUS');
  });

  it('refuses extension-registry imports (EXT1/EXT2/EXT4)', () => {
    for (const op of [[0x82, 1], [0x83, 1, 0], [0x84, 1, 0, 0, 0]]) {
      const b = new PickleWriter().proto(2).op(op[0], Buffer.from(op.slice(1))).stop().bytes();
      expect(codes(b)).toEqual(['EXTENSION_CODE']);
    }
  });

  it('scans every pickle of a stream: a clean protocol-2 pickle followed by a protocol-0 payload', () => {
    const stream = Buffer.concat([new PickleWriter().proto(2).binint1(1).stop().bytes(), latin("cos\nsystem\n(S'true'\ntR.")]);
    const scan = scanPickle(stream, { pickles: 'all', lenientTrailing: true });
    expect(scan.pickles).toBe(2);
    expect(scan.verdict).toBe('DANGEROUS');
  });

  it('reads through frames as _pickle.c does (opcodes may cross a frame end) and ignores only trailing bytes that are no pickle', () => {
    const body = latin("cos\nsystem\n(S'true'\ntR.");
    const crossing = Buffer.concat([Buffer.from([0x80, 4, 0x95]), Buffer.from(new BigUint64Array([3n]).buffer), body]);
    expect(verdict(crossing)).toBe('DANGEROUS');
    const clean = new PickleWriter().proto(2).binint1(1).stop().bytes();
    // trailing junk whose first byte is no opcode: not a finding
    expect(scanPickle(Buffer.concat([clean, Buffer.from([0x00, 0x01])]), { pickles: 'all', lenientTrailing: true }).verdict).toBe('SAFE');
    // a trailing pickle that starts well and breaks off later is one (a loop loader ran its first opcodes)
    const broken = Buffer.concat([clean, Buffer.from([0x80, 2, 0x4e, 0xff])]);
    expect(scanPickle(broken, { pickles: 'all', lenientTrailing: true }).verdict).toBe('UNSCANNABLE');
  });

  it('judges what a broken pickle read before it broke (code runs before STOP)', () => {
    const truncated = latin("cos\nsystem\n(S'true'\ntR");
    const scan = scanPickle(truncated);
    expect(scan.verdict).toBe('DANGEROUS');
    expect(scan.findings.map((f) => f.code)).toEqual(['DANGEROUS_GLOBAL', 'MALFORMED']);
    expect(verdict(Buffer.from([0x80, 2, 0xff]))).toBe('UNSCANNABLE');
    expect(verdict(new PickleWriter().proto(2).reduce().bytes())).toBe('UNSCANNABLE');
    expect(scanPickle(new PickleWriter().proto(2).binget(3).bytes()).findings[0].message).toMatch(/memo key 3/);
    expect(verdict(Buffer.from([0x80, 6, 0x4e, 0x2e]))).toBe('UNSCANNABLE');
  });

  it('never reads large byte strings: a 3 GB BINBYTES8 is skipped by offset', () => {
    const head = Buffer.concat([Buffer.from([0x80, 4, 0x8e]), Buffer.from(new BigUint64Array([3_000_000_000n]).buffer)]);
    let read = 0;
    const size = head.length + 3_000_000_000 + 1;
    const src = {
      size,
      read: (o: number, n: number) => {
        read += n;
        const b = Buffer.alloc(n);
        if (o < head.length) head.copy(b, 0, o, Math.min(head.length, o + n));
        if (o + n === size) b[n - 1] = 0x2e;
        return b;
      },
    };
    const scan = scanPickle(src);
    expect(scan.verdict).toBe('SAFE');
    expect(read).toBeLessThan(4 << 20);
  });

  it('knows dangerous modules by prefix and through dotted paths', () => {
    expect(isDangerousGlobal('os.path', 'join')).toBe(true);
    expect(isDangerousGlobal('nt', 'system')).toBe(true);
    expect(isDangerousGlobal('builtins', 'getattr')).toBe(true);
    expect(isDangerousGlobal('torch', 'serialization.os.system')).toBe(true);
    expect(isDangerousGlobal('builtins', 'set')).toBe(false);
    expect(isDangerousGlobal('osmosis', 'x')).toBe(false);
  });
});

const readAtOf = (b: Buffer) => (o: number, n: number) => b.subarray(o, o + n);

describe('zip checkpoints and safetensors headers', () => {
  it('finds a dangerous pickle in a zip checkpoint whatever the folder and entry name', () => {
    for (const name of ['archive/data.pkl', 'x/y/anything.pkl', 'DATA.PKL']) {
      const zip = zipBytes([{ name, data: osSystemPickle() }, { name: 'archive/data/0', data: Buffer.alloc(16) }]);
      const a = analyzeFile('pytorch_model.bin', readAtOf(zip), zip.length);
      expect(a.format).toBe('torch-zip');
      expect(a.pickles[0]).toMatchObject({ entry: name, verdict: 'DANGEROUS' });
      expect(a.verdict).toBe('DANGEROUS');
    }
  });

  it('inflates a deflated pickle entry written by Python zipfile', () => {
    const zip = pythonBytes(`
import io, zipfile, sys
b = io.BytesIO()
with zipfile.ZipFile(b, 'w') as z:
    z.writestr('m/data.pkl', ${JSON.stringify(tensorPickle().toString('latin1'))}.encode('latin1'), compress_type=zipfile.ZIP_DEFLATED)
    z.writestr('m/data/0', b'\\0' * 64, compress_type=zipfile.ZIP_STORED)
sys.stdout.buffer.write(b.getvalue())`);
    const a = analyzeFile('model.pt', readAtOf(zip), zip.length);
    expect(a.pickles[0]).toMatchObject({ entry: 'm/data.pkl', verdict: 'SAFE' });
    expect(a.verdict).toBe('SAFE');
  });

  it('accepts a well-formed safetensors header', () => {
    const st = safetensorsBytes({ a: [1, 2, 3], b: [4] }, { format: 'pt' });
    expect(checkSafetensorsHeader(st, st.length)).toEqual({ headerLength: st.readUInt32LE(0), tensors: 2, metadata: { format: 'pt' } });
    expect(analyzeFile('m.safetensors', readAtOf(st), st.length).verdict).toBe('SAFE');
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
    const a = analyzeFile('x.safetensors', readAtOf(bytes), bytes.length);
    expect(a.verdict).toBe('UNSCANNABLE');
    expect(a.reasons[0].code).toBe('SAFETENSORS_INVALID');
  });

  it('judges other formats: text and JSON pass, unknown binaries and code are UNSCANNABLE, GGUF passes', () => {
    const judge = (name: string, b: Buffer) => analyzeFile(name, readAtOf(b), b.length);
    expect(judge('config.json', Buffer.from('{"a":1}'))).toMatchObject({ format: 'json', verdict: 'SAFE' });
    expect(judge('README.md', Buffer.from('# hi\n'))).toMatchObject({ format: 'text', verdict: 'SAFE' });
    expect(judge('blob.bin', Buffer.from([0, 1, 2, 0xff]))).toMatchObject({ format: 'unknown', verdict: 'UNSCANNABLE' });
    expect(judge('modeling.py', Buffer.from('import os\n'))).toMatchObject({ format: 'code', verdict: 'UNSCANNABLE' });
    expect(judge('m.gguf', Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(20)]))).toMatchObject({ format: 'gguf', verdict: 'SAFE' });
    // a GGUF (or any data) header that is also a pickle is judged as both
    const poly = Buffer.concat([latin('GGUF\x03\x00\x00\x00\x00'), latin("cos\nsystem\n(S'true'\ntR."), Buffer.alloc(16)]);
    expect(judge('m.gguf', poly)).toMatchObject({ format: 'gguf', verdict: 'DANGEROUS' });
    // a benign pickle with a zip behind it: Python's zipfile (and Keras) read the zip
    const hidden = Buffer.concat([latin('N.'), zipBytes([{ name: 'archive/data.pkl', data: osSystemPickle() }])]);
    expect(judge('model.pkl', hidden).verdict).not.toBe('SAFE');
    // a protocol-0 pickle in a .bin is found by parsing
    expect(judge('pytorch_model.bin', latin("cos\nsystem\n(S'true'\ntR."))).toMatchObject({ format: 'pickle', verdict: 'DANGEROUS' });
  });
});

describe('Keras configs', () => {
  const keras = (config: unknown) => {
    const z = zipBytes([{ name: 'metadata.json', data: Buffer.from('{"keras_version":"3.15.1"}') }, { name: 'config.json', data: Buffer.from(JSON.stringify(config)) }, { name: 'model.weights.h5', data: Buffer.from([0x89, 0x48, 0x44, 0x46]) }]);
    return analyzeFile('m.keras', readAtOf(z), z.length);
  };
  const dense = { module: 'keras', class_name: 'Sequential', config: { layers: [{ module: 'keras.layers', class_name: 'Dense', config: { units: 2, activation: 'relu', kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: {} } } }] } };

  it('passes a plain Keras model and refuses Lambda layers, foreign modules and imported functions', () => {
    expect(keras(dense)).toMatchObject({ format: 'keras', verdict: 'SAFE' });
    const lambda = { ...dense, config: { layers: [{ module: 'keras.layers', class_name: 'Lambda', config: { function: { class_name: '__lambda__', config: { code: 'YQ==' } } } }] } };
    expect(keras(lambda)).toMatchObject({ verdict: 'DANGEROUS', reasons: [{ code: 'KERAS_LAMBDA' }, { code: 'KERAS_LAMBDA' }] });
    expect(keras({ module: 'os', class_name: 'system', config: {} }).verdict).toBe('UNSAFE_UNKNOWN');
    // a function from a Keras module that is not a function table (keras.utils.get_file downloads)
    expect(keras({ module: 'keras.utils', class_name: 'function', config: 'get_file', registered_name: null }).verdict).toBe('UNSAFE_UNKNOWN');
    expect(keras({ module: 'keras.activations', class_name: 'function', config: 'relu', registered_name: null }).verdict).toBe('SAFE');
  });
});

describe('modelseal scan', () => {
  it('flags a pickle importing os.system and exits 1; --json lists format, verdict and globals per file', () => {
    const dir = writeTree(tmpDir(), { 'evil.pkl': PY.mal2, 'model.safetensors': safetensorsBytes({ w: [1, 2] }) });
    const r = cli(['scan', dir, '--json']);
    expect(r.status).toBe(1);
    expect(r.json.flagged).toBe(true);
    const evil = r.json.files.find((f: { name: string }) => f.name === 'evil.pkl');
    expect(evil).toMatchObject({ format: 'pickle', verdict: 'DANGEROUS', globals: [{ module: 'posix', name: 'system', status: 'dangerous' }] });
    expect(r.json.files.find((f: { name: string }) => f.name === 'model.safetensors')).toMatchObject({ format: 'safetensors', verdict: 'SAFE' });
    const human = cli(['scan', dir]);
    expect(human.status).toBe(1);
    expect(human.stdout).toMatch(/DANGEROUS\s+evil\.pkl/);
    expect(human.stdout).toContain('!posix.system');
  });

  it('passes a clean tensor checkpoint (exit 0) and lists its globals', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), zipBytes([{ name: 'archive/data.pkl', data: PY.ten2 }, { name: 'archive/data/0', data: Buffer.alloc(16) }]));
    const r = cli(['scan', path.join(dir, 'pytorch_model.bin'), '--json']);
    expect(r.status).toBe(0);
    expect(r.json.files[0]).toMatchObject({ name: 'pytorch_model.bin', format: 'torch-zip', verdict: 'SAFE' });
    expect(r.json.files[0].globals.map((i: { name: string }) => i.name).sort()).toEqual(['FloatStorage', 'OrderedDict', '_rebuild_tensor_v2']);
  });

  it('exits 1 for an UNSCANNABLE file and for an UNSAFE_UNKNOWN one unless --allow-global names it', () => {
    const dir = writeTree(tmpDir(), { 'weights.bin': Buffer.from([0, 1, 2, 3]) });
    expect(cli(['scan', dir, '--json']).json.files[0]).toMatchObject({ verdict: 'UNSCANNABLE' });
    const unk = new PickleWriter().proto(2).global('sklearn.linear_model', 'LinearRegression').op(0x29).reduce().stop().bytes();
    const d2 = writeTree(tmpDir(), { 'model.pkl': unk });
    const r = cli(['scan', d2, '--json']);
    expect(r.status).toBe(1);
    expect(r.json.files[0].verdict).toBe('UNSAFE_UNKNOWN');
    expect(cli(['scan', d2, '--allow-global', 'sklearn.linear_model.LinearRegression']).status).toBe(0);
  });

  it('exits 2 with a one-line error for a missing path', () => {
    const r = cli(['scan', '/nonexistent/model']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('PATH_NOT_FOUND');
  });
});
