import Ajv2020 from 'ajv/dist/2020';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lockArtifact, readLockFile, verifyLockFile } from '../src/lock';
import { signArtifact, loadPrivateKey, verifyLocked } from '../src';
import { writeKeyPair } from '../src/keys/write';
import { cli, REPO } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
/** The OMS root digest computed independently: SHA-256 over the per-file SHA-256s in name order. */
function rootOf(dir: string, names: string[]): string {
  return sha256(Buffer.concat(names.map((n) => Buffer.from(sha256(fs.readFileSync(path.join(dir, n))), 'hex'))));
}

const lockSchema = new Ajv2020({ strict: true, strictRequired: false }).compile(JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', 'lock.schema.json'), 'utf8')));

function project() {
  const root = tmpDir();
  writeTree(root, { 'models/llama/weights.bin': 'llama weights v1', 'models/llama/config.json': '{"layers": 2}', 'data/instruct.jsonl': '{"q": 1}\n' });
  const meta = writeKeyPair(path.join(root, 'meta'), 'ed25519');
  const evil = writeKeyPair(path.join(root, 'evil'), 'ecdsa-p256');
  return { root, meta, evil };
}

async function signWith(artifact: string, keyFile: string, force = true) {
  await signArtifact(artifact, { key: loadPrivateKey(keyFile), force });
}

describe('modelseal lock add / lock verify (CLI)', () => {
  it('pins name, kind, root digest, serialization and signer, and verifies the round trip', async () => {
    const { root, meta } = project();
    await signWith(path.join(root, 'models/llama'), meta.privateKeyPath);
    await signWith(path.join(root, 'data/instruct.jsonl'), meta.privateKeyPath);

    const add = cli(['lock', 'add', 'meta-llama/Llama-2-7b', 'models/llama', '--key', 'meta.pub', '--json'], { cwd: root });
    expect(add.status).toBe(0);
    expect(cli(['lock', 'add', 'my-org/instruct-v3', 'data/instruct.jsonl', '--kind', 'dataset', '--key', 'meta.pub'], { cwd: root }).status).toBe(0);

    const text = fs.readFileSync(path.join(root, 'modelseal.lock'), 'utf8');
    const lock = JSON.parse(text);
    expect(lockSchema(lock)).toBe(true);
    expect(Object.keys(lock.artifacts)).toEqual(['meta-llama/Llama-2-7b', 'my-org/instruct-v3']);
    const llama = lock.artifacts['meta-llama/Llama-2-7b'];
    expect(llama.kind).toBe('model');
    expect(llama.path).toBe('models/llama');
    expect(llama.digest.sha256).toBe(rootOf(path.join(root, 'models/llama'), ['config.json', 'weights.bin']));
    expect(llama.serialization).toEqual({ method: 'files', hashType: 'sha256' });
    expect(llama.signers).toEqual([{ method: 'key', keyType: 'ed25519', keyHint: sha256(fs.readFileSync(meta.publicKeyPath, 'utf8')), publicKey: fs.readFileSync(meta.publicKeyPath, 'utf8') }]);
    const data = lock.artifacts['my-org/instruct-v3'];
    expect(data).toMatchObject({ kind: 'dataset', path: 'data/instruct.jsonl', digest: { sha256: sha256(sha256Buf(path.join(root, 'data/instruct.jsonl'))) } });
    // Keys in a fixed order, so a diff shows only what changed.
    expect(Object.keys(llama)).toEqual(['kind', 'path', 'digest', 'serialization', 'signers']);

    const verify = cli(['lock', 'verify', '--json'], { cwd: root });
    expect(verify.status).toBe(0);
    expect(verify.json.artifacts.map((a: { name: string }) => a.name)).toEqual(['meta-llama/Llama-2-7b', 'my-org/instruct-v3']);

    // Re-adding the same artifact changes nothing, byte for byte.
    expect(cli(['lock', 'add', 'meta-llama/Llama-2-7b', 'models/llama', '--key', 'meta.pub'], { cwd: root }).status).toBe(0);
    expect(fs.readFileSync(path.join(root, 'modelseal.lock'), 'utf8')).toBe(text);
  });

  it('refuses to pin an artifact that does not verify, and writes no lock file', async () => {
    const { root, meta, evil } = project();
    await signWith(path.join(root, 'models/llama'), meta.privateKeyPath);
    const wrongKey = cli(['lock', 'add', 'meta-llama/Llama-2-7b', 'models/llama', '--key', path.basename(evil.publicKeyPath)], { cwd: root });
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stderr).toContain('SIGNATURE_MISMATCH');
    fs.appendFileSync(path.join(root, 'models/llama/weights.bin'), 'tampered');
    const tampered = cli(['lock', 'add', 'meta-llama/Llama-2-7b', 'models/llama', '--key', 'meta.pub'], { cwd: root });
    expect(tampered.status).toBe(1);
    expect(tampered.stderr).toContain('ARTIFACT_MISMATCH');
    expect(fs.existsSync(path.join(root, 'modelseal.lock'))).toBe(false);
  });

  describe('refuses drift with exit 1, naming the artifact', () => {
    async function pinned() {
      const p = project();
      await signWith(path.join(p.root, 'models/llama'), p.meta.privateKeyPath);
      expect(cli(['lock', 'add', 'meta-llama/Llama-2-7b', 'models/llama', '--key', 'meta.pub'], { cwd: p.root }).status).toBe(0);
      return p;
    }
    const expectRefused = (r: ReturnType<typeof cli>, code: string) => {
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('meta-llama/Llama-2-7b');
      expect(r.stderr).toContain(`[${code}]`);
    };

    it('a file changed without re-signing', async () => {
      const { root } = await pinned();
      fs.writeFileSync(path.join(root, 'models/llama/weights.bin'), 'backdoored weights');
      expectRefused(cli(['lock', 'verify'], { cwd: root }), 'ARTIFACT_MISMATCH');
    });

    it('a file changed and re-signed by the same key (new digest)', async () => {
      const { root, meta } = await pinned();
      fs.writeFileSync(path.join(root, 'models/llama/weights.bin'), 'backdoored weights');
      await signWith(path.join(root, 'models/llama'), meta.privateKeyPath);
      const r = cli(['lock', 'verify'], { cwd: root });
      expectRefused(r, 'LOCK_DIGEST_CHANGED');
      expect(r.stdout).toContain(rootOf(path.join(root, 'models/llama'), ['config.json', 'weights.bin']));
    });

    it('the signer changed (maintainer account takeover), with or without the new key given', async () => {
      const { root, evil } = await pinned();
      await signWith(path.join(root, 'models/llama'), evil.privateKeyPath);
      expectRefused(cli(['lock', 'verify'], { cwd: root }), 'LOCK_SIGNER_CHANGED');
      expectRefused(cli(['lock', 'verify', '--key', path.basename(evil.publicKeyPath)], { cwd: root }), 'LOCK_SIGNER_CHANGED');
    });

    it('the artifact is missing', async () => {
      const { root } = await pinned();
      fs.renameSync(path.join(root, 'models/llama'), path.join(root, 'models/elsewhere'));
      const r = cli(['lock', 'verify', '--json'], { cwd: root });
      expect(r.status).toBe(1);
      expect(r.json.error.code).toBe('LOCK_ARTIFACT_MISSING');
      expect(r.json.artifacts[0]).toMatchObject({ name: 'meta-llama/Llama-2-7b', ok: false });
    });

    it('the signature is missing', async () => {
      const { root } = await pinned();
      fs.rmSync(path.join(root, 'models/llama/model.sig'));
      expectRefused(cli(['lock', 'verify'], { cwd: root }), 'LOCK_ARTIFACT_MISSING');
    });
  });

  it('refuses a malformed lock file or a pinned key that does not match its hint (exit 2)', async () => {
    const { root, meta, evil } = project();
    await signWith(path.join(root, 'models/llama'), meta.privateKeyPath);
    expect(cli(['lock', 'add', 'meta-llama/Llama-2-7b', 'models/llama', '--key', 'meta.pub'], { cwd: root }).status).toBe(0);
    const file = path.join(root, 'modelseal.lock');
    const good = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...good, extra: 1 }));
    const unknown = cli(['lock', 'verify'], { cwd: root });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('LOCK_INVALID');
    good.artifacts['meta-llama/Llama-2-7b'].signers[0].publicKey = fs.readFileSync(evil.publicKeyPath, 'utf8');
    fs.writeFileSync(file, JSON.stringify(good));
    const swapped = cli(['lock', 'verify'], { cwd: root });
    expect(swapped.status).toBe(2);
    expect(swapped.stderr).toContain('LOCK_INVALID');
  });
});

function sha256Buf(file: string): Buffer {
  return createHash('sha256').update(fs.readFileSync(file)).digest();
}

describe('lockArtifact / verifyLocked (library)', () => {
  it('stores paths relative to the lock file and verifies a copy the loader fetched elsewhere', async () => {
    const { root, meta } = project();
    fs.mkdirSync(path.join(root, 'deploy'));
    const lockFile = path.join(root, 'deploy', 'modelseal.lock');
    const model = path.join(root, 'models/llama');
    await signWith(model, meta.privateKeyPath);
    await lockArtifact('meta-llama/Llama-2-7b', model, { lock: lockFile, keys: [meta.publicKeyPath] });
    expect(readLockFile(lockFile).artifacts.get('meta-llama/Llama-2-7b')?.path).toBe('../models/llama');

    const cache = path.join(tmpDir(), 'llama');
    fs.cpSync(model, cache, { recursive: true });
    const ok = await verifyLocked('meta-llama/Llama-2-7b', cache, { lock: lockFile });
    expect(ok.rootDigest).toBe(rootOf(model, ['config.json', 'weights.bin']));

    await expect(verifyLocked('meta-llama/Llama-2-7b-chat', cache, { lock: lockFile })).rejects.toMatchObject({ code: 'NOT_PINNED' });
    fs.writeFileSync(path.join(cache, 'weights.bin'), 'other');
    await signWith(cache, meta.privateKeyPath);
    await expect(verifyLocked('meta-llama/Llama-2-7b', cache, { lock: lockFile })).rejects.toMatchObject({ code: 'LOCK_DIGEST_CHANGED' });
    const outcomes = await verifyLockFile(lockFile);
    expect(outcomes.map((o) => o.ok)).toEqual([true]);
  });

  it('refuses to pin a near-name of a pinned name unless told, and to re-pin without force', async () => {
    const { root, meta } = project();
    const lock = path.join(root, 'modelseal.lock');
    const model = path.join(root, 'models/llama');
    await signWith(model, meta.privateKeyPath);
    await lockArtifact('meta-llama/Llama-2-7b', model, { lock, keys: [meta.publicKeyPath] });
    await expect(lockArtifact('meta-llama/llama2-7b', model, { lock, keys: [meta.publicKeyPath] })).rejects.toMatchObject({ code: 'NEAR_NAME' });
    await lockArtifact('meta-llama/llama2-7b', model, { lock, keys: [meta.publicKeyPath], allowNearName: true });
    fs.writeFileSync(path.join(model, 'weights.bin'), 'v2');
    await signWith(model, meta.privateKeyPath);
    await expect(lockArtifact('meta-llama/Llama-2-7b', model, { lock, keys: [meta.publicKeyPath] })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    const r = await lockArtifact('meta-llama/Llama-2-7b', model, { lock, keys: [meta.publicKeyPath], force: true });
    expect(r.replaced?.digest.sha256).not.toBe(r.entry.digest.sha256);
    expect(r.entry.digest.sha256).toBe(rootOf(model, ['config.json', 'weights.bin']));
  });
});
