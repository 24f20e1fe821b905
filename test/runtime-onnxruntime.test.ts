/**
 * @jest-environment ./test/helpers/native-typed-arrays-env.js
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as OrtModule from 'onnxruntime-node';
import { generateKeyPair, parsePrivateKey } from '../src/keys';
import { ModelsealError } from '../src/errors';
import { signArtifact } from '../src/sign/sign-artifact';
import { createVerifiedSession, sealedSessionOptions } from '../src/runtimes/onnxruntime';
import { describeWithPeers, nodePackage, venvPython } from './helpers/peers';
import { copyModel, runPythonFixture } from './helpers/runtime-models';
import { tmpDir } from './helpers/tmp';

interface Index {
  x: number[];
  plain: { y: number[] };
  other: { y: number[] };
  inline: { y: number[] };
  nested: { y: number[] };
  hostile: { refused: Record<string, string> };
}

describeWithPeers([venvPython('onnx', 'numpy'), nodePackage('onnxruntime-node')], 'modelseal/onnxruntime loads verified ONNX models', () => {
  let ort: typeof OrtModule;
  let gen: string;
  let index: Index;
  const publisher = generateKeyPair('ed25519');
  const attacker = generateKeyPair('ed25519');
  let create: jest.SpyInstance;

  beforeAll(() => {
    gen = tmpDir();
    index = runPythonFixture<Index>('make_tiny_onnx.py', gen);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ort = require('onnxruntime-node');
  });
  beforeEach(() => {
    create = jest.spyOn(ort.InferenceSession, 'create');
  });
  afterEach(() => create.mockRestore());

  async function signed(name: string, key = publisher): Promise<string> {
    const dir = copyModel(path.join(gen, name));
    await signArtifact(dir, { key: parsePrivateKey(key.privatePem) });
    return dir;
  }
  const input = () => new ort.Tensor('float32', Float32Array.from(index.x), [1, 4]);
  async function run(session: OrtModule.InferenceSession): Promise<number[]> {
    const out = await session.run({ x: input() });
    return Array.from(out.y.data as Float32Array);
  }
  async function refusal(p: Promise<unknown>): Promise<ModelsealError> {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ModelsealError);
    // Refused before the runtime got anything.
    expect(create).not.toHaveBeenCalled();
    return err as ModelsealError;
  }

  it('creates the session from verified bytes and computes what the model computes (numpy) and an unprotected load computes', async () => {
    const dir = await signed('plain');
    const session = await createVerifiedSession(dir, { keys: publisher.publicKey });
    const got = await run(session);
    got.forEach((v, i) => expect(v).toBeCloseTo(index.plain.y[i], 5));
    const unprotected = await run(await ort.InferenceSession.create(path.join(gen, 'plain', 'model.onnx')));
    expect(got).toEqual(unprotected);
    // The model and its external data went to the runtime as bytes, never as paths.
    const [model, options] = create.mock.calls[0];
    expect(Buffer.isBuffer(model)).toBe(true);
    expect(options.externalData.map((e: { path: string; data: unknown }) => [e.path, Buffer.isBuffer(e.data)])).toEqual([['model.onnx_data', true]]);
  });

  it('mounts the external data of initializers inside subgraphs (an If branch), and the runtime never reads it from disk', async () => {
    const dir = await signed('nested');
    // ONNX Runtime 1.30 checks subgraph external data on disk even when it is mounted, so such
    // a model loads only from a path; sealed, its check looks under the null device and fails.
    await expect(createVerifiedSession(dir, { keys: publisher.publicKey })).rejects.toThrow(/\/dev\/null\/weights\/sub\.bin/);
    const [, options] = create.mock.calls[0];
    expect(options.externalData.map((e: { path: string }) => e.path)).toEqual(['weights/sub.bin']);
    expect(Buffer.compare(options.externalData[0].data, fs.readFileSync(path.join(dir, 'weights/sub.bin')))).toBe(0);
  });

  it('loads a single-file artifact (a model without external data)', async () => {
    const file = path.join(tmpDir(), 'tiny.onnx');
    fs.copyFileSync(path.join(gen, 'inline', 'model.onnx'), file);
    await signArtifact(file, { key: parsePrivateKey(publisher.privatePem) });
    const got = await run(await createVerifiedSession(file, { keys: publisher.publicKey }));
    got.forEach((v, i) => expect(v).toBeCloseTo(index.inline.y[i], 5));
  });

  it('verifies against a policy: the rule for the name decides who may sign', async () => {
    const dir = await signed('plain');
    const policyDir = tmpDir();
    fs.writeFileSync(path.join(policyDir, 'publisher.pub'), publisher.publicKey.pem);
    fs.writeFileSync(path.join(policyDir, 'attacker.pub'), attacker.publicKey.pem);
    const policy = (signer: string) => {
      const file = path.join(policyDir, `policy-${signer}.json`);
      fs.writeFileSync(file, JSON.stringify({ apiVersion: 'modelseal.dev/policy/v1', signers: { publisher: { keys: ['publisher.pub'] }, attacker: { keys: ['attacker.pub'] } }, artifacts: [{ name: '**', signers: [signer] }] }));
      return file;
    };
    const got = await run(await createVerifiedSession(dir, { policy: policy('publisher') }));
    got.forEach((v, i) => expect(v).toBeCloseTo(index.plain.y[i], 5));
    create.mockClear();
    expect((await refusal(createVerifiedSession(dir, { policy: policy('attacker') }))).code).toBe('UNTRUSTED_SIGNER');
  });

  describe('refuses each attack before the runtime is called', () => {
    it('one byte of the external data changed after signing', async () => {
      const dir = await signed('plain');
      const f = path.join(dir, 'model.onnx_data');
      const b = fs.readFileSync(f);
      b[7] ^= 0x01;
      fs.writeFileSync(f, b);
      const err = await refusal(createVerifiedSession(dir, { keys: publisher.publicKey }));
      expect(err.code).toBe('ARTIFACT_MISMATCH');
      expect(err.message).toMatch(/model\.onnx_data/);
    });

    it.each([['model.onnx_data', 'other'], ['model.onnx', 'inline']])('%s swapped after verification, before it is read (with %s\'s)', async (file, from) => {
      const dir = await signed('plain');
      expect(fs.readFileSync(path.join(gen, from, file)).equals(fs.readFileSync(path.join(dir, file)))).toBe(false);
      const err = await refusal(createVerifiedSession(dir, {
        keys: publisher.publicKey,
        onVerified: () => fs.copyFileSync(path.join(gen, from, file), path.join(dir, file)),
      }));
      expect(err.code).toBe('ARTIFACT_MISMATCH');
      expect(err.message).toMatch(/changed after verification/);
    });

    it('an unsigned extra file dropped into the folder', async () => {
      const dir = await signed('plain');
      fs.copyFileSync(path.join(gen, 'other', 'model.onnx'), path.join(dir, 'extra.onnx'));
      const err = await refusal(createVerifiedSession(dir, { keys: publisher.publicKey }));
      expect(err.code).toBe('ARTIFACT_MISMATCH');
      expect(err.message).toMatch(/extra\.onnx/);
    });

    it('a model signed by an untrusted key', async () => {
      const dir = await signed('plain', attacker);
      expect((await refusal(createVerifiedSession(dir, { keys: publisher.publicKey }))).code).toBe('SIGNATURE_MISMATCH');
    });

    it.each(Object.keys({ 'refused-0.onnx': 0, 'refused-1.onnx': 1, 'refused-2.onnx': 2, 'refused-3.onnx': 3, 'refused-7.onnx': 7 }))('a signed model whose external data location leaves its folder (%s)', async (name) => {
      const dir = path.join(tmpDir(), 'm');
      fs.mkdirSync(dir);
      fs.copyFileSync(path.join(gen, 'hostile', name), path.join(dir, 'model.onnx'));
      await signArtifact(dir, { key: parsePrivateKey(publisher.privatePem) });
      const err = await refusal(createVerifiedSession(dir, { keys: publisher.publicKey }));
      expect(err.code).toBe('EXTERNAL_DATA_REFUSED');
      expect(err.message).toContain(JSON.stringify(index.hostile.refused[name]));
    });

    it('a signed model whose tensor reads past the end of its external data file', async () => {
      const dir = await signed('oob');
      const err = await refusal(createVerifiedSession(dir, { keys: publisher.publicKey }));
      expect(err.code).toBe('EXTERNAL_DATA_REFUSED');
      expect(err.message).toMatch(/tensor "B" reads bytes 48\.\.4144 of "model\.onnx_data", which has 60/);
    });

    it('a signed model whose external data file is not signed (left out of the signature)', async () => {
      const dir = copyModel(path.join(gen, 'plain'));
      await signArtifact(dir, { key: parsePrivateKey(publisher.privatePem), ignorePaths: ['model.onnx_data'] });
      fs.rmSync(path.join(dir, 'model.onnx_data'));
      fs.copyFileSync(path.join(gen, 'other', 'model.onnx_data'), path.join(dir, 'model.onnx_data'));
      const err = await refusal(createVerifiedSession(dir, { keys: publisher.publicKey }));
      expect(err.code).toBe('ARTIFACT_MISMATCH');
      expect(err.message).toMatch(/external data "model\.onnx_data".*not listed in the signed manifest/);
    });
  });

  it('keeps the runtime off the disk: an external-data location that is not mounted resolves nowhere', async () => {
    const bytes = fs.readFileSync(path.join(gen, 'plain', 'model.onnx'));
    // Allowed to read the folder, the runtime reads the file itself (the path the helper closes)...
    const fromDisk = await ort.InferenceSession.create(bytes, { extra: { session: { model_external_initializers_file_folder_path: path.join(gen, 'plain') } } });
    expect((await run(fromDisk)).length).toBe(3);
    // ...sealed, with nothing mounted, it cannot open anything.
    await expect(ort.InferenceSession.create(bytes, sealedSessionOptions({ extra: { session: { model_external_initializers_file_folder_path: path.join(gen, 'plain') } } }, []))).rejects.toThrow(/External data path/);
  });

  it('refuses usage errors before verification', async () => {
    const dir = await signed('plain');
    const err = await refusal(createVerifiedSession(dir, { keys: publisher.publicKey, sessionOptions: { externalData: [] } }));
    expect(err.code).toBe('USAGE_ERROR');
    fs.copyFileSync(path.join(gen, 'inline', 'model.onnx'), path.join(dir, 'second.onnx'));
    await signArtifact(dir, { key: parsePrivateKey(publisher.privatePem), force: true });
    expect((await refusal(createVerifiedSession(dir, { keys: publisher.publicKey }))).message).toMatch(/2 signed \.onnx files; name the one to load/);
    const got = await run(await createVerifiedSession(dir, { keys: publisher.publicKey, model: 'second.onnx' }));
    got.forEach((v, i) => expect(v).toBeCloseTo(index.inline.y[i], 5));
  });
});
