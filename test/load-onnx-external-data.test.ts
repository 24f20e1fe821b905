import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { ModelsealError } from '../src/errors';
import { checkExternalDataRanges, externalDataFiles, onnxExternalData } from '../src/load/onnx-external-data';
import { describeWithPeers, venvPython } from './helpers/peers';
import { runPythonFixture } from './helpers/runtime-models';
import { tmpDir } from './helpers/tmp';
import { cli } from './helpers/cli';

// A minimal protobuf writer for hostile inputs (field numbers from onnx.proto).
function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}
const tag = (field: number, wire: number) => varint(field * 8 + wire);
const len = (field: number, body: Buffer | string) => {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return Buffer.concat([tag(field, 2), varint(b.length), b]);
};
const int = (field: number, v: number) => Buffer.concat([tag(field, 0), varint(v)]);
const entry = (key: string, value: string) => len(13, Buffer.concat([len(1, key), len(2, value)]));
/** TensorProto: name (8), raw dims (1), external_data entries (13), data_location (14) = EXTERNAL. */
const tensor = (name: string, location?: string) => Buffer.concat([int(1, 3), len(8, name), ...(location === undefined ? [len(9, Buffer.alloc(12))] : [entry('location', location), entry('offset', '0'), int(14, 1)])]);
const graph = (...parts: Buffer[]) => Buffer.concat(parts);
const model = (g: Buffer, ...more: Buffer[]) => Buffer.concat([int(1, 8), len(7, g), ...more]);
const initializer = (t: Buffer) => len(5, t);
const node = (...attrs: Buffer[]) => len(1, Buffer.concat([len(4, 'If'), ...attrs.map((a) => len(5, a))]));
const attrGraph = (g: Buffer) => Buffer.concat([len(1, 'then_branch'), int(20, 5), len(6, g)]);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelsealError);
    return (err as ModelsealError).code;
  }
  return 'accepted';
}
const locations = (b: Buffer) => onnxExternalData(b, 'model.onnx').map((r) => r.location);

describe('ONNX external data: every location a runtime opens, refused when it leaves the folder', () => {
  it('finds locations in initializers, nested subgraphs, node attributes and functions', () => {
    const inner = graph(initializer(tensor('deep', 'deep.bin')));
    const m = model(graph(initializer(tensor('w', 'w.bin')), initializer(tensor('inline')), node(attrGraph(graph(node(attrGraph(inner))))), node(Buffer.concat([len(1, 'value'), len(5, tensor('c', 'sub/c.bin'))]))),
      len(25, Buffer.concat([len(1, 'F'), len(7, Buffer.concat([len(4, 'Constant'), len(5, Buffer.concat([len(1, 'value'), len(5, tensor('f', 'f.bin'))]))]))])));
    expect(locations(m)).toEqual(['w.bin', 'deep.bin', 'sub/c.bin', 'f.bin']);
    expect(externalDataFiles('onnx/model.onnx', m).map(({ location, name }) => ({ location, name }))).toEqual([
      { location: 'w.bin', name: 'onnx/w.bin' },
      { location: 'deep.bin', name: 'onnx/deep.bin' },
      { location: 'sub/c.bin', name: 'onnx/sub/c.bin' },
      { location: 'f.bin', name: 'onnx/f.bin' },
    ]);
  });

  it('walks every occurrence of a repeated singular message (protobuf merges them; the runtime sees the union)', () => {
    const m = Buffer.concat([int(1, 8), len(7, graph(initializer(tensor('a', 'a.bin')))), len(7, graph(initializer(tensor('b', 'b.bin'))))]);
    expect(locations(m)).toEqual(['a.bin', 'b.bin']);
  });

  it('normalises ./ and inner .. that stay inside, and names the file relative to the model', () => {
    expect(externalDataFiles('onnx/model.onnx', model(graph(initializer(tensor('a', './x/../w.bin')))))).toEqual([{ location: './x/../w.bin', name: 'onnx/w.bin', tensors: [{ tensor: 'a', offset: 0 }] }]);
  });

  it('reads offsets and lengths as plain decimals only, and refuses ranges past the end of the file', () => {
    const ranged = (offset: string, length: string) => model(graph(initializer(Buffer.concat([len(8, 't'), entry('location', 'w.bin'), entry('offset', offset), entry('length', length)]))));
    const [ref] = externalDataFiles('model.onnx', ranged('16', '8'));
    expect(ref.tensors).toEqual([{ tensor: 't', offset: 16, length: 8 }]);
    expect(() => checkExternalDataRanges(ref, 24, 'model.onnx')).not.toThrow();
    expect(code(() => checkExternalDataRanges(ref, 23, 'model.onnx'))).toBe('EXTERNAL_DATA_REFUSED');
    for (const [o, l] of [['0x10', '8'], ['-1', '8'], [' 16', '8'], ['16', '+8'], ['1e3', '8'], ['16', '99999999999999999999']]) {
      expect({ o, l, code: code(() => externalDataFiles('model.onnx', ranged(o, l))) }).toEqual({ o, l, code: 'FORMAT_INVALID' });
    }
    const twice = model(graph(initializer(Buffer.concat([len(8, 't'), entry('location', 'w.bin'), entry('length', '8'), entry('length', '4096')]))));
    expect(code(() => onnxExternalData(twice, 'model.onnx'))).toBe('FORMAT_INVALID');
  });

  it.each([
    ['../w.bin', 'leaves'],
    ['x/../../w.bin', 'leaves'],
    ['/etc/passwd', 'absolute'],
    ['C:/w.bin', 'absolute'],
    ['..\\w.bin', 'backslash'],
    ['w\0.bin', 'NUL'],
    ['', 'empty'],
    ['.', 'leaves'],
    ['*/_ORT_MEM_ADDR_/*', 'in-memory'],
  ])('refuses the location %j (%s), wherever the tensor is', (loc, why) => {
    for (const m of [model(graph(initializer(tensor('t', loc)))), model(graph(node(attrGraph(graph(initializer(tensor('t', loc)))))))]) {
      let err: ModelsealError | undefined;
      try {
        onnxExternalData(m, 'model.onnx');
      } catch (e) {
        err = e as ModelsealError;
      }
      expect(err?.code).toBe('EXTERNAL_DATA_REFUSED');
      expect(err?.message).toMatch(new RegExp(why === 'leaves' ? "leaves the model's folder" : why));
    }
  });

  it('keeps its message short whatever the location', () => {
    const long = `../${'a'.repeat(100_000)}`;
    let message = '';
    try {
      onnxExternalData(model(graph(initializer(tensor('t'.repeat(50_000), long)))), 'model.onnx');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/EXTERNAL|leaves/);
    expect(message.length).toBeLessThan(400);
  });

  it.each([
    ['truncated length', Buffer.concat([int(1, 8), tag(7, 2), varint(50), Buffer.alloc(10)])],
    ['truncated varint', Buffer.from([0x08, 0x80])],
    ['a group', Buffer.concat([tag(7, 3), tag(7, 4)])],
    ['field number 0', Buffer.from([0x02, 0x00])],
    ['graph as a varint', Buffer.concat([int(7, 1)])],
    ['external_data as a varint', model(graph(initializer(Buffer.concat([len(8, 't'), int(13, 1)]))))],
    ['two locations in one tensor', model(graph(initializer(Buffer.concat([len(8, 't'), entry('location', 'a.bin'), entry('location', '../b.bin')]))))],
    ['a repeated key in an entry', model(graph(initializer(Buffer.concat([len(8, 't'), len(13, Buffer.concat([len(1, 'location'), len(2, 'a.bin'), len(1, 'offset')]))]))))],
    ['a repeated value in an entry', model(graph(initializer(Buffer.concat([len(8, 't'), len(13, Buffer.concat([len(1, 'location'), len(2, 'a.bin'), len(2, '../b.bin')]))]))))],
    ['a location that is not UTF-8', model(graph(initializer(Buffer.concat([len(8, 't'), len(13, Buffer.concat([len(1, 'location'), len(2, Buffer.from([0x2e, 0x2e, 0xff, 0x2f]))]))]))))],
    ['an ORT-format model', Buffer.concat([Buffer.from([0x10, 0, 0, 0]), Buffer.from('ORTM'), Buffer.alloc(16)])],
  ])('refuses a malformed model: %s', (_what, bytes) => {
    expect(code(() => onnxExternalData(bytes, 'model.onnx'))).toBe('FORMAT_INVALID');
  });

  it('refuses nesting past protobuf\'s recursion limit without exhausting the stack', () => {
    let g = graph(initializer(tensor('t', 'deep.bin')));
    for (let i = 0; i < 120; i++) g = graph(node(attrGraph(g)));
    expect(code(() => onnxExternalData(model(g), 'model.onnx'))).toBe('FORMAT_INVALID');
    let shallow = graph(initializer(tensor('t', 'deep.bin')));
    for (let i = 0; i < 30; i++) shallow = graph(node(attrGraph(shallow)));
    expect(locations(model(shallow))).toEqual(['deep.bin']);
  });

  it('never throws anything but a ModelsealError, and never finds a location that is not in the bytes, on mutated models', () => {
    const base = model(graph(initializer(tensor('w', 'w.bin')), node(attrGraph(graph(initializer(tensor('d', 'd.bin')))))));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(base.length), (flips, cut) => {
        const b = Buffer.from(base.subarray(0, Math.max(1, cut)));
        for (const [i, v] of flips) if (i < b.length) b[i] = v;
        try {
          for (const r of onnxExternalData(b, 'm.onnx')) expect(b.includes(Buffer.from(r.location))).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(ModelsealError);
          expect(['FORMAT_INVALID', 'EXTERNAL_DATA_REFUSED']).toContain((err as ModelsealError).code);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('scan and readVerified refuse an ONNX model whose external data leaves its folder', () => {
  it('scan flags it DANGEROUS (exit 1) and passes one whose data stays inside', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'evil.onnx'), model(graph(initializer(tensor('w', '../../../etc/passwd')))));
    fs.writeFileSync(path.join(dir, 'ok.onnx'), model(graph(initializer(tensor('w', 'weights.bin')))));
    const evil = cli(['scan', path.join(dir, 'evil.onnx'), '--json']);
    expect({ status: evil.status, verdict: evil.json.files[0].verdict, format: evil.json.files[0].format }).toEqual({ status: 1, verdict: 'DANGEROUS', format: 'onnx' });
    const ok = cli(['scan', path.join(dir, 'ok.onnx'), '--json']);
    expect({ status: ok.status, verdict: ok.json.files[0].verdict }).toEqual({ status: 0, verdict: 'SAFE' });
  });
});

describeWithPeers(venvPython('onnx', 'numpy'), 'ONNX external data in models written by the onnx package', () => {
  let gen: string;
  let refused: Record<string, string>;
  let places: Record<string, string>;
  beforeAll(() => {
    gen = tmpDir();
    ({ refused, places } = runPythonFixture<{ hostile: { refused: Record<string, string>; places: Record<string, string> } }>('make_tiny_onnx.py', gen).hostile);
  });
  const read = (...p: string[]) => fs.readFileSync(path.join(gen, ...p));

  it('finds the locations onnx.save and onnx.helper wrote', () => {
    expect(locations(read('plain', 'model.onnx'))).toEqual(['model.onnx_data', 'model.onnx_data']);
    expect(externalDataFiles('model.onnx', read('plain', 'model.onnx'))).toEqual([{ location: 'model.onnx_data', name: 'model.onnx_data', tensors: [{ tensor: 'W', offset: 0, length: 48 }, { tensor: 'B', offset: 48, length: 12 }] }]);
    expect(locations(read('nested', 'model.onnx'))).toEqual(['weights/sub.bin']);
    expect(locations(read('inline', 'model.onnx'))).toEqual([]);
    for (const [kind, loc] of Object.entries(places)) expect(locations(read('hostile', `${kind}-ok.onnx`))).toEqual([loc]);
  });

  it('refuses every escaping location, in initializers, attributes, sparse initializers and functions', () => {
    for (const name of Object.keys(refused)) expect({ name, code: code(() => onnxExternalData(read('hostile', name), name)) }).toEqual({ name, code: 'EXTERNAL_DATA_REFUSED' });
    for (const kind of Object.keys(places)) expect({ kind, code: code(() => onnxExternalData(read('hostile', `${kind}-escape.onnx`), kind)) }).toEqual({ kind, code: 'EXTERNAL_DATA_REFUSED' });
  });
});
