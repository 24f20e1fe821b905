import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateKeyPair, parsePrivateKey } from '../src/keys';
import { signArtifact } from '../src/sign/sign-artifact';
import { verifyArtifact } from '../src/verify/verify-artifact';
import { openVerified, readVerified } from '../src/load/verified-read';
import { globalsAllowedBy, pickleAllowedBy } from '../src/load/policy-allowance';
import { parsePolicy } from '../src/policy';
import { ModelsealError } from '../src/errors';
import { tmpDir, writeTree } from './helpers/tmp';
import { osSystemPickle, safetensorsBytes, safetensorsRaw, tensorPickle, zipBytes } from './helpers/pickle-bytes';

const pair = generateKeyPair('ed25519');
const priv = parsePrivateKey(pair.privatePem);

async function signedDir(files: Record<string, Buffer | string>, options: { method?: 'files' | 'shards'; shardSize?: number } = {}) {
  const dir = writeTree(tmpDir(), files);
  const sig = path.join(tmpDir(), 'model.sig');
  await signArtifact(dir, { key: priv, signature: sig, ...options });
  const verified = await verifyArtifact(dir, { keys: pair.publicKey, signature: sig });
  return { dir, verified };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ModelsealError);
    return (err as ModelsealError).code;
  }
  throw new Error('expected a refusal');
}

async function drain(stream: NodeJS.ReadableStream): Promise<{ bytes: Buffer; error?: ModelsealError }> {
  const parts: Buffer[] = [];
  try {
    for await (const c of stream) parts.push(c as Buffer);
  } catch (err) {
    return { bytes: Buffer.concat(parts), error: err as ModelsealError };
  }
  return { bytes: Buffer.concat(parts) };
}

describe('readVerified / openVerified', () => {
  const weights = safetensorsBytes({ w: Array.from({ length: 256 }, (_, i) => i / 7), b: [1, 2, 3] });

  it('returns the bytes of a verified file (files serialization)', async () => {
    const { dir, verified } = await signedDir({ 'model.safetensors': weights, 'config.json': '{"a":1}' });
    expect((await readVerified(dir, 'model.safetensors', verified)).equals(weights)).toBe(true);
    expect((await readVerified(dir, 'config.json', verified.manifest)).toString()).toBe('{"a":1}');
  });

  it('catches a file swapped between verifyArtifact and readVerified', async () => {
    const { dir, verified } = await signedDir({ 'model.safetensors': weights });
    const evil = Buffer.from(weights);
    evil[evil.length - 1] ^= 0xff; // same size, one tensor byte changed
    fs.writeFileSync(path.join(dir, 'model.safetensors'), evil);
    expect(await codeOf(readVerified(dir, 'model.safetensors', verified))).toBe('ARTIFACT_MISMATCH');
    const { bytes, error } = await drain(openVerified(dir, 'model.safetensors', verified));
    expect(error?.code).toBe('ARTIFACT_MISMATCH');
    expect(bytes.length).toBe(0); // nothing unverified reached the reader
  });

  it('streams shard by shard and fails at the first bad shard, after emitting only verified shards', async () => {
    const data = safetensorsBytes({ w: Array.from({ length: 2500 }, (_, i) => i * 31) });
    const { dir, verified } = await signedDir({ 'blob.safetensors': data }, { method: 'shards', shardSize: 4096 });
    expect((await readVerified(dir, 'blob.safetensors', verified)).equals(data)).toBe(true);
    const swapped = Buffer.from(data);
    swapped[5000] ^= 1; // inside the second shard [4096, 8192)
    fs.writeFileSync(path.join(dir, 'blob.safetensors'), swapped);
    const { bytes, error } = await drain(openVerified(dir, 'blob.safetensors', verified));
    expect(error?.code).toBe('ARTIFACT_MISMATCH');
    expect(error?.message).toContain('blob.safetensors:4096:8192');
    expect(bytes.equals(data.subarray(0, 4096))).toBe(true);
  });

  it('refuses a file of unknown format (what scan would not pass) unless allowUnscannable', async () => {
    const { dir, verified } = await signedDir({ 'blob.dat': Buffer.from([0, 1, 2, 3, 0xff]) });
    expect(await codeOf(readVerified(dir, 'blob.dat', verified))).toBe('UNSCANNABLE');
    expect((await readVerified(dir, 'blob.dat', verified, { allowUnscannable: true })).length).toBe(5);
  });

  it('refuses a shard-signed file whose size changed, before reading it', async () => {
    const { dir, verified } = await signedDir({ 'blob.dat': Buffer.alloc(5000, 7) }, { method: 'shards', shardSize: 4096 });
    fs.appendFileSync(path.join(dir, 'blob.dat'), 'x');
    expect(await codeOf(readVerified(dir, 'blob.dat', verified, { allowUnscannable: true }))).toBe('ARTIFACT_MISMATCH');
  });

  it('refuses a file that is not in the signed manifest', async () => {
    const { dir, verified } = await signedDir({ 'a.txt': 'a' });
    fs.writeFileSync(path.join(dir, 'b.txt'), 'b');
    expect(await codeOf(readVerified(dir, 'b.txt', verified))).toBe('ARTIFACT_MISMATCH');
    expect(await codeOf(readVerified(dir, '../a.txt', verified))).toBe('USAGE_ERROR');
  });

  it('reads a single-file artifact by "." or its name', async () => {
    const file = path.join(tmpDir(), 'adapter.safetensors');
    fs.writeFileSync(file, weights);
    await signArtifact(file, { key: priv });
    const verified = await verifyArtifact(file, { keys: pair.publicKey });
    expect((await readVerified(file, '.', verified)).equals(weights)).toBe(true);
    expect((await readVerified(file, 'adapter.safetensors', verified)).equals(weights)).toBe(true);
  });

  it('refuses pickle-based files by default, also inside a PyTorch zip named .bin', async () => {
    const torchZip = zipBytes([{ name: 'archive/data.pkl', data: tensorPickle() }, { name: 'archive/data/0', data: Buffer.alloc(16) }]);
    const { dir, verified } = await signedDir({ 'weights.pkl': tensorPickle(), 'pytorch_model.bin': torchZip, 'raw.bin': Buffer.alloc(64, 1) });
    expect(await codeOf(readVerified(dir, 'weights.pkl', verified))).toBe('PICKLE_REFUSED');
    expect(await codeOf(readVerified(dir, 'pytorch_model.bin', verified))).toBe('PICKLE_REFUSED');
    expect(await codeOf(readVerified(dir, 'raw.bin', verified))).toBe('UNSCANNABLE'); // raw bytes: not known to be safe
    expect((await readVerified(dir, 'raw.bin', verified, { allowUnscannable: true })).length).toBe(64);
    // Allowed by policy: the clean tensor pickles load.
    expect((await readVerified(dir, 'weights.pkl', verified, { allowPickle: true })).equals(tensorPickle())).toBe(true);
    expect((await readVerified(dir, 'pytorch_model.bin', verified, { allowPickle: true })).equals(torchZip)).toBe(true);
  });

  it('refuses a pickle importing os.system even when pickles are allowed', async () => {
    const { dir, verified } = await signedDir({ 'model.pt': zipBytes([{ name: 'm/data.pkl', data: osSystemPickle() }]), 'x.ckpt': osSystemPickle() });
    expect(await codeOf(readVerified(dir, 'model.pt', verified, { allowPickle: true }))).toBe('DANGEROUS_IMPORT');
    expect(await codeOf(readVerified(dir, 'x.ckpt', verified, { allowPickle: true }))).toBe('DANGEROUS_IMPORT');
    expect(await codeOf(readVerified(dir, 'x.ckpt', verified, { allowPickle: true, allowUnscannable: true }))).toBe('DANGEROUS_IMPORT');
  });

  it('refuses a pickle with a global off the allowlist unless allowGlobals names it exactly', async () => {
    const unk = Buffer.from([0x80, 2, ...Buffer.from('csklearn.tree\nDecisionTreeClassifier\n'), 0x29, 0x52, 0x2e]);
    const { dir, verified } = await signedDir({ 'model.pkl': unk });
    expect(await codeOf(readVerified(dir, 'model.pkl', verified, { allowPickle: true }))).toBe('UNKNOWN_IMPORT');
    expect(await codeOf(readVerified(dir, 'model.pkl', verified, { allowPickle: true, allowGlobals: ['sklearn.tree.DecisionTree'] }))).toBe('UNKNOWN_IMPORT');
    expect((await readVerified(dir, 'model.pkl', verified, { allowPickle: true, allowGlobals: ['sklearn.tree.DecisionTreeClassifier'] })).equals(unk)).toBe(true);
    // widening the allowlist is not allowing pickles
    expect(await codeOf(readVerified(dir, 'model.pkl', verified, { allowGlobals: ['sklearn.tree.DecisionTreeClassifier'] }))).toBe('PICKLE_REFUSED');
  });

  it('reads a single-file artifact reached through a symlink exactly when verify accepts it', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'adapter.safetensors');
    fs.writeFileSync(file, weights);
    const link = path.join(dir, 'current.safetensors');
    fs.symlinkSync(file, link);
    await signArtifact(link, { key: priv, signature: path.join(dir, 'm.sig') });
    const verified = await verifyArtifact(link, { keys: pair.publicKey, signature: path.join(dir, 'm.sig') });
    expect((await readVerified(link, '.', verified)).equals(weights)).toBe(true);
    expect((await readVerified(link, 'current.safetensors', verified)).equals(weights)).toBe(true);
  });

  it('refuses a malformed safetensors header even when its digest matches the signature', async () => {
    const bad = safetensorsRaw({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, Buffer.alloc(8));
    const { dir, verified } = await signedDir({ 'bad.safetensors': bad });
    expect(await codeOf(readVerified(dir, 'bad.safetensors', verified))).toBe('FORMAT_INVALID');
  });

  it('refuses a shard-signed .safetensors whose header is bad from its first shard, without reading past it', async () => {
    const junk = Buffer.concat([Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0]), Buffer.alloc(3000, 0x63)]);
    const { dir, verified } = await signedDir({ 'm.safetensors': junk }, { method: 'shards', shardSize: 1000 });
    const { bytes, error } = await drain(openVerified(dir, 'm.safetensors', verified));
    expect(error?.code).toBe('FORMAT_INVALID');
    expect(bytes.length).toBe(0);
  });

  it('checks a shard-signed safetensors header as soon as the shards holding it are verified', async () => {
    const big = safetensorsBytes({ w: Array.from({ length: 2000 }, (_, i) => i) });
    const { dir, verified } = await signedDir({ 'm.safetensors': big }, { method: 'shards', shardSize: 1000 });
    const { bytes, error } = await drain(openVerified(dir, 'm.safetensors', verified));
    expect(error).toBeUndefined();
    expect(bytes.equals(big)).toBe(true);
  });

  it('reads allowPickle from the first matching artifact rule of a policy', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'k.pub'), pair.publicKey.pem);
    const policy = parsePolicy(
      JSON.stringify({
        apiVersion: 'modelseal.dev/policy/v1',
        signers: { pub: { keys: ['k.pub'] } },
        artifacts: [{ name: 'legacy/*', signers: ['pub'], allowPickle: true, allowGlobals: ['sklearn.tree.DecisionTreeClassifier'] }, { name: '**', signers: ['pub'] }],
      }),
      path.join(dir, 'policy.json'),
    );
    expect(pickleAllowedBy(policy, 'legacy/bert')).toBe(true);
    expect(pickleAllowedBy(policy, 'llama')).toBe(false);
    expect(globalsAllowedBy(policy, 'legacy/bert')).toEqual(['sklearn.tree.DecisionTreeClassifier']);
    expect(globalsAllowedBy(policy, 'llama')).toEqual([]);
    const bad = () =>
      parsePolicy(JSON.stringify({ apiVersion: 'modelseal.dev/policy/v1', signers: { pub: { keys: ['k.pub'] } }, artifacts: [{ name: '**', signers: ['pub'], allowGlobals: ['os.system; rm'] }] }), path.join(dir, 'policy.json'));
    expect(bad).toThrow(ModelsealError);
  });
});
