/**
 * @jest-environment ./test/helpers/native-typed-arrays-env.js
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { generateKeyPair, parsePrivateKey } from '../src/keys';
import { ModelsealError } from '../src/errors';
import { signArtifact } from '../src/sign/sign-artifact';
import { verifiedFromPretrained, verifiedPipeline } from '../src/runtimes/transformers';
import { describeWithPeers, nodePackage, venvPython } from './helpers/peers';
import { copyModel, runPythonFixture } from './helpers/runtime-models';
import { tmpDir } from './helpers/tmp';

type Index = Record<'bert' | 'bert-external' | 'bert-other', { files: string[]; ids: number[] }>;
interface Features {
  dims: number[];
  data: Float32Array;
}
type Extractor = ((text: string) => Promise<Features>) & { dispose(): Promise<void> };

describeWithPeers([venvPython('torch', 'transformers', 'onnx'), nodePackage('@huggingface/transformers')], 'modelseal/transformers loads verified models in transformers.js', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let hf: any;
  let gen: string;
  let index: Index;
  let create: jest.SpyInstance;
  const publisher = generateKeyPair('ed25519');
  const text = 'hello world';

  beforeAll(() => {
    gen = tmpDir();
    index = runPythonFixture<Index>('make_tiny_bert.py', gen);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    hf = require('@huggingface/transformers');
    hf.env.useFSCache = false; // the unprotected reference loads must not write a cache next to the package
  }, 300_000);
  beforeEach(() => {
    // transformers.js loads onnxruntime-node with Node's own require: spy on that instance.
    const ort = createRequire(require.resolve('@huggingface/transformers'))('onnxruntime-node');
    create = jest.spyOn(ort.InferenceSession, 'create');
  });
  afterEach(() => create.mockRestore());

  async function signed(name: keyof Index, ignorePaths?: string[]): Promise<string> {
    const dir = copyModel(path.join(gen, name));
    await signArtifact(dir, { key: parsePrivateKey(publisher.privatePem), ignorePaths });
    return dir;
  }
  async function features(load: Promise<Extractor>): Promise<Features> {
    const extractor = await load;
    try {
      const out = await extractor(text);
      return { dims: [...out.dims], data: Float32Array.from(out.data) };
    } finally {
      await extractor.dispose();
    }
  }
  const unprotected = (name: keyof Index) => features(hf.pipeline('feature-extraction', path.join(gen, name), { dtype: 'fp32', local_files_only: true }));
  const sealed = (dir: string, extra: object = {}) => verifiedPipeline<Extractor>('feature-extraction', dir, { keys: publisher.publicKey, transformers: { dtype: 'fp32' }, ...extra });
  async function refusal(p: Promise<unknown>): Promise<ModelsealError> {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ModelsealError);
    expect(create).not.toHaveBeenCalled();
    return err as ModelsealError;
  }

  it.each(['bert', 'bert-external'] as const)('a feature-extraction pipeline on %s runs on verified bytes and matches an unprotected load', async (name) => {
    const dir = await signed(name);
    const got = await features(sealed(dir));
    expect(create).toHaveBeenCalledTimes(1);
    const [model, options] = create.mock.calls[0];
    expect(model).toBeInstanceOf(Uint8Array); // bytes, never a path
    expect(Buffer.compare(Buffer.from(model), fs.readFileSync(path.join(dir, 'onnx/model.onnx')))).toBe(0);
    expect(options.extra.session.model_external_initializers_file_folder_path).toBe('/dev/null');
    if (name === 'bert-external') expect(options.externalData.map((e: { path: string; data: unknown }) => [e.path, e.data instanceof Uint8Array])).toEqual([['model.onnx_data', true]]);
    create.mockClear();
    const reference = await unprotected(name);
    expect(got.dims).toEqual([1, index[name].ids.length, 16]);
    expect(got).toEqual(reference);
    // The other weights give other features: the comparison can fail.
    expect(Array.from(got.data)).not.toEqual(Array.from((await unprotected('bert-other')).data));
  });

  it('AutoTokenizer.from_pretrained through verified bytes tokenizes as the Python tokenizer did', async () => {
    const dir = await signed('bert');
    const tokenizer = (await verifiedFromPretrained(hf.AutoTokenizer, dir, { keys: publisher.publicKey })) as (t: string) => { input_ids: { data: BigInt64Array } };
    expect(Array.from(tokenizer(text).input_ids.data, Number)).toEqual(index.bert.ids);
  });

  it('leaves transformers.js env as it was, and keeps two concurrent loads apart', async () => {
    const before = { useCustomCache: hf.env.useCustomCache, customCache: hf.env.customCache };
    const [a, b] = await Promise.all([signed('bert'), signed('bert-other')]);
    const [fa, fb] = await Promise.all([features(sealed(a)), features(sealed(b))]);
    expect(fa).toEqual(await unprotected('bert'));
    expect(fb).toEqual(await unprotected('bert-other'));
    expect({ useCustomCache: hf.env.useCustomCache, customCache: hf.env.customCache }).toEqual(before);
  });

  describe('refuses each attack before the runtime is called', () => {
    it('one byte of the ONNX weights changed after signing', async () => {
      const dir = await signed('bert-external');
      const f = path.join(dir, 'onnx/model.onnx_data');
      const b = fs.readFileSync(f);
      b[b.length - 5] ^= 0x01;
      fs.writeFileSync(f, b);
      expect((await refusal(sealed(dir))).code).toBe('ARTIFACT_MISMATCH');
    });

    // Each replacement is a valid file of the same kind: another model's, or the same with one value changed.
    const replacements: Record<string, () => Buffer> = {
      'onnx/model.onnx': () => fs.readFileSync(path.join(gen, 'bert-other', 'onnx/model.onnx')),
      'onnx/model.onnx_data': () => Buffer.from(fs.readFileSync(path.join(gen, 'bert-external', 'onnx/model.onnx_data')).map((x, i) => (i === 9 ? x ^ 1 : x))),
      'config.json': () => fs.readFileSync(path.join(gen, 'bert', 'config.json')),
      'tokenizer.json': () => Buffer.from(fs.readFileSync(path.join(gen, 'bert', 'tokenizer.json'), 'utf8').replace('"hello"', '"hellx"')),
    };
    it.each(Object.keys(replacements))('%s swapped after verification, before transformers.js reads it', async (file) => {
      const dir = await signed('bert-external');
      const swapped = replacements[file]();
      expect(swapped.equals(fs.readFileSync(path.join(dir, file)))).toBe(false);
      const err = await refusal(sealed(dir, { onVerified: () => fs.writeFileSync(path.join(dir, file), swapped) }));
      expect(err.code).toBe('ARTIFACT_MISMATCH');
      expect(err.message).toContain(file);
    });

    it('an unsigned extra file dropped into the folder', async () => {
      const dir = await signed('bert');
      fs.copyFileSync(path.join(gen, 'bert-other', 'onnx/model.onnx'), path.join(dir, 'onnx/model_quantized.onnx'));
      const err = await refusal(sealed(dir));
      expect(err.code).toBe('ARTIFACT_MISMATCH');
      expect(err.message).toMatch(/model_quantized\.onnx/);
    });

    it('a signed ONNX file whose external data location leaves the folder', async () => {
      const dir = copyModel(path.join(gen, 'bert-external'));
      const f = path.join(dir, 'onnx/model.onnx');
      const bytes = fs.readFileSync(f);
      const at = bytes.indexOf('model.onnx_data');
      expect(at).toBeGreaterThan(0);
      bytes.write('../config.json1', at, 'latin1'); // same length: still a well-formed protobuf
      fs.writeFileSync(f, bytes);
      await signArtifact(dir, { key: parsePrivateKey(publisher.privatePem) });
      const err = await refusal(sealed(dir));
      expect(err.code).toBe('EXTERNAL_DATA_REFUSED');
      expect(err.message).toMatch(/"\.\.\/config\.json1", which leaves the model's folder/);
    });

    it('a model signed by a key the policy does not allow for its name', async () => {
      const dir = await signed('bert');
      const policyDir = tmpDir();
      const other = generateKeyPair('ed25519');
      fs.writeFileSync(path.join(policyDir, 'publisher.pub'), publisher.publicKey.pem);
      fs.writeFileSync(path.join(policyDir, 'other.pub'), other.publicKey.pem);
      const policy = (signer: string) => {
        const file = path.join(policyDir, `policy-${signer}.json`);
        fs.writeFileSync(file, JSON.stringify({ apiVersion: 'modelseal.dev/policy/v1', signers: { publisher: { keys: ['publisher.pub'] }, other: { keys: ['other.pub'] } }, artifacts: [{ name: '**', signers: [signer] }] }));
        return file;
      };
      const err = await refusal(verifiedPipeline('feature-extraction', dir, { policy: policy('other'), transformers: { dtype: 'fp32' } }));
      expect(err.code).toBe('UNTRUSTED_SIGNER');
      const got = await features(verifiedPipeline<Extractor>('feature-extraction', dir, { policy: policy('publisher'), transformers: { dtype: 'fp32' } }));
      expect(got).toEqual(await unprotected('bert'));
    });

    it('a file transformers.js needs that the signature leaves out is never read from disk', async () => {
      const dir = await signed('bert', ['tokenizer.json']);
      const err = await refusal(sealed(dir));
      expect(err.code).toBe('PATH_NOT_FOUND');
      expect(err.message).toMatch(/"tokenizer\.json".*signed manifest does not list/);
    });
  });

  it('refuses external data handed in by the caller', async () => {
    const dir = await signed('bert');
    const err = await refusal(sealed(dir, { transformers: { session_options: { externalData: [{ path: 'x', data: new Uint8Array(1) }] } } }));
    expect(err.code).toBe('USAGE_ERROR');
  });
});
