import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeKeyPair } from '../src/keys/write';
import { OCI_MANIFEST, MODELPACK_ARTIFACT, MODELPACK_CONFIG, SIGSTORE_BUNDLE, TITLE_ANNOTATION, OCI_INDEX } from '../src/oci/media-types';
import { RegistryClient, sha256Digest } from '../src/oci/registry-client';
import { attachBundle, referrersTag } from '../src/oci/referrers';
import { DEBIAN_PYTHON, debianPython, describeWithPeers } from './helpers/peers';
import { REPO } from './helpers/cli';
import { cliAsync, FILES, pushModel, REGISTRY_PEERS, RegistryProxy, startRegistry, type ModelFile, type Registry } from './helpers/registry';
import { snapshotTree, tmpDir, writeTree } from './helpers/tmp';

jest.setTimeout(120_000);

/** Writes the same ModelPack-style model as an OCI image layout, for skopeo to push. */
function writeLayout(dir: string, tag: string, files: ModelFile[]): string {
  fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const blob = (b: Buffer) => {
    const digest = sha256Digest(b);
    fs.writeFileSync(path.join(dir, 'blobs', 'sha256', digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const layers = files.map((f) => ({ mediaType: f.mediaType ?? 'application/vnd.cncf.model.weight.v1.raw', ...blob(f.bytes), annotations: { [TITLE_ANNOTATION]: f.name } }));
  const config = blob(Buffer.from(JSON.stringify({ descriptor: { name: 'by-skopeo' }, modelfs: { type: 'layers', diffIds: layers.map((l) => l.digest) } })));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: MODELPACK_ARTIFACT, config: { mediaType: MODELPACK_CONFIG, ...config }, layers }));
  const m = blob(manifest);
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, ...m, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return m.digest;
}

const work = tmpDir('modelseal-oci-');
const keyPrefix = path.join(work, 'publisher');
writeKeyPair(keyPrefix, 'ecdsa-p256');
const KEY = `${keyPrefix}.key`;
const PUB = `${keyPrefix}.pub`;
writeKeyPair(path.join(work, 'stranger'), 'ecdsa-p256');
const POLICY = path.join(work, 'policy.yaml');
fs.writeFileSync(POLICY, `apiVersion: modelseal.dev/policy/v1\nsigners:\n  publisher: { keys: [publisher.pub] }\nartifacts:\n  - { name: "tiny*", signers: [publisher], lineage: none }\n`);

const layerDigests = FILES.map((f) => sha256Digest(f.bytes));
const errCode = (r: { json: any }) => r.json?.error?.code;

describeWithPeers(REGISTRY_PEERS, 'OCI registry: sign, verify and pull against a real local registry', () => {
  let registry: Registry;
  let proxy: RegistryProxy;
  let host: string;
  let client: RegistryClient;
  let model: { digest: string; bytes: Buffer };
  const ref = (tagOrDigest = ':v1', repo = 'models/tiny') => `oci://${host}/${repo}${tagOrDigest}`;
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => cliAsync([...args, '--plain-http', '--json'], env);

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = new RegistryProxy(registry.direct);
    host = await proxy.start();
    client = new RegistryClient({ registry: host, repository: 'models/tiny' }, { plainHttp: true });
    model = await pushModel(client, 'v1', FILES);
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });
  beforeEach(() => proxy.reset());

  it('signs from the registry without downloading a layer, attaching an OCI 1.1 referrer', async () => {
    const r = await run(['sign', ref(), '--key', KEY]);
    expect(r.status).toBe(0);
    expect(r.json.manifestDigest).toBe(model.digest);
    expect(r.json.attachedVia).toBe('tag'); // docker-registry 2.8 has no referrers API
    expect(r.json.resources).toBe(FILES.length);
    expect(proxy.blobGets(layerDigests)).toHaveLength(0);
    expect(proxy.seen.some((s) => s.method === 'GET' && s.url.includes('/blobs/'))).toBe(false);

    // skopeo, an independent client, reads what we attached as a valid OCI artifact.
    const index = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.direct}/models/tiny:${referrersTag(model.digest)}`], { encoding: 'utf8' });
    expect(index.status).toBe(0);
    const listed = JSON.parse(index.stdout);
    expect(listed.mediaType).toBe(OCI_INDEX);
    const entry = listed.manifests.find((m: any) => m.digest === r.json.referrer);
    expect(entry.artifactType).toBe(SIGSTORE_BUNDLE);
    const referrer = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.direct}/models/tiny@${r.json.referrer}`], { encoding: 'utf8' });
    expect(referrer.status).toBe(0);
    const m = JSON.parse(referrer.stdout);
    expect(m.artifactType).toBe(SIGSTORE_BUNDLE);
    expect(m.subject.digest).toBe(model.digest);
    expect(m.layers).toHaveLength(1);
    expect(m.layers[0].mediaType).toBe(SIGSTORE_BUNDLE);
    const layout = path.join(tmpDir('modelseal-skopeo-'), 'layout');
    const copy = spawnSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${registry.direct}/models/tiny@${r.json.referrer}`, `oci:${layout}:sig`], { encoding: 'utf8' });
    expect(copy.stderr).toBe('');
    expect(copy.status).toBe(0);
  });

  it('verifies from the registry (tag and digest) without downloading a layer', async () => {
    for (const which of [':v1', `@${model.digest}`]) {
      proxy.reset();
      const r = await run(['verify', ref(which), '--key', PUB]);
      expect(r.status).toBe(0);
      expect(r.json.verified).toBe(true);
      expect(r.json.manifestDigest).toBe(model.digest);
      expect(proxy.blobGets(layerDigests)).toHaveLength(0);
    }
    const wrong = await run(['verify', ref(), '--key', path.join(work, 'stranger.pub')]);
    expect(wrong.status).toBe(1);
    expect(['UNTRUSTED_SIGNER', 'SIGNATURE_MISMATCH']).toContain(errCode(wrong));
  });

  it('verifies from the registry with a policy', async () => {
    const r = await run(['verify', ref(), '--policy', POLICY]);
    expect(r.status).toBe(0);
    expect(r.json.rule).toBe('tiny*');
    const other = await run(['verify', ref(), '--policy', POLICY, '--name', 'other-model']);
    expect(other.status).toBe(1);
    expect(errCode(other)).toBe('POLICY_DENIED');
  });

  it('pulls with a policy: DIR holds the model and a model.sig that plain `modelseal verify DIR` accepts', async () => {
    const dir = path.join(tmpDir('modelseal-pull-'), 'tiny');
    const r = await run(['pull', ref(), dir, '--policy', POLICY]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const f of FILES) expect(fs.readFileSync(path.join(dir, f.name)).equals(f.bytes)).toBe(true);
    expect(proxy.blobGets(layerDigests)).toHaveLength(FILES.length); // each layer exactly once
    const v = await cliAsync(['verify', dir, '--key', PUB, '--json']);
    expect(v.status).toBe(0);
    expect(v.json.digest).toBe(r.json.digest);
    // Signing the pulled folder on disk gives the same statement the registry signature holds.
    const disk = await cliAsync(['sign', dir, '--key', KEY, '--signature', path.join(dir, '..', 'disk.sig'), '--json']);
    expect(disk.json.digest).toBe(r.json.digest);
    const payload = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8')).dsseEnvelope.payload;
    expect(payload(path.join(dir, '..', 'disk.sig'))).toBe(payload(path.join(dir, 'model.sig')));
  });

  it('pulls with a key into an existing folder only with --force, swapping it atomically', async () => {
    const dir = writeTree(path.join(tmpDir('modelseal-pull-'), 'tiny'), { 'old.txt': 'old' });
    const before = snapshotTree(dir);
    const refused = await run(['pull', ref(), dir, '--key', PUB]);
    expect(refused.status).toBe(2);
    expect(errCode(refused)).toBe('OUTPUT_EXISTS');
    expect(snapshotTree(dir)).toEqual(before);
    const r = await run(['pull', ref(), dir, '--key', PUB, '--force']);
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(dir, 'old.txt'))).toBe(false);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['tiny']);
    // An empty DIR (a fresh volume) needs no --force; a DIR that is a symlink is refused.
    const empty = path.join(tmpDir('modelseal-pull-'), 'tiny');
    fs.mkdirSync(empty);
    expect((await run(['pull', ref(), empty, '--key', PUB])).status).toBe(0);
    const link = path.join(tmpDir('modelseal-pull-'), 'link');
    fs.symlinkSync(tmpDir('modelseal-elsewhere-'), link);
    const viaLink = await run(['pull', ref(), link, '--key', PUB, '--force']);
    expect(errCode(viaLink)).toBe('OUTPUT_UNSAFE');
  });

  it('verifies a folder signed on disk, pushed, and its signature attached', async () => {
    const dir = writeTree(path.join(tmpDir('modelseal-disk-'), 'tiny'), Object.fromEntries(FILES.map((f) => [f.name, f.bytes])));
    const s = await cliAsync(['sign', dir, '--key', KEY, '--json']);
    expect(s.status).toBe(0);
    const files = [...FILES, { name: 'LICENSE', bytes: Buffer.from('Apache-2.0\n'), mediaType: 'application/vnd.cncf.model.doc.v1.raw' }];
    await pushModel(client, 'from-disk', files);
    // The disk signature does not list LICENSE: attaching it to this manifest is refused.
    const refused = await run(['attach', ref(':from-disk'), path.join(dir, 'model.sig')]);
    expect(refused.status).toBe(1);
    expect(errCode(refused)).toBe('ARTIFACT_MISMATCH');
    fs.writeFileSync(path.join(dir, 'LICENSE'), 'Apache-2.0\n');
    expect((await cliAsync(['sign', dir, '--key', KEY, '--force', '--json'])).status).toBe(0);
    const attached = await run(['attach', ref(':from-disk'), path.join(dir, 'model.sig')]);
    expect(attached.status).toBe(0);
    const r = await run(['verify', ref(':from-disk'), '--key', PUB]);
    expect(r.status).toBe(0);
    expect(r.json.referrer).toBe(attached.json.referrer);
  });

  it('finds provenance among the referrers when the policy needs it (pull --policy)', async () => {
    const policy = path.join(work, 'kinds.yaml');
    fs.writeFileSync(policy, `apiVersion: modelseal.dev/policy/v1\nsigners:\n  publisher: { keys: [publisher.pub] }\nartifacts:\n  - { name: "tiny*", signers: [publisher], lineage: none, kinds: [finetune] }\n`);
    const verifyOnly = await run(['verify', ref(), '--policy', policy]);
    expect(errCode(verifyOnly)).toBe('POLICY_DENIED'); // provenance is judged on the pulled folder
    const dir = path.join(tmpDir('modelseal-pull-'), 'tiny');
    const without = await run(['pull', ref(), dir, '--policy', policy]);
    expect(without.status).toBe(1);
    expect(errCode(without)).toBe('POLICY_DENIED');
    expect(fs.existsSync(dir)).toBe(false);
    // Attest a copy made on disk and attach the provenance to the manifest.
    const copy = writeTree(path.join(tmpDir('modelseal-attest-'), 'tiny'), Object.fromEntries(FILES.map((f) => [f.name, f.bytes])));
    const a = await cliAsync(['attest', copy, '--kind', 'finetune', '--base', `sha256:${'ab'.repeat(32)}`, '--key', KEY, '--json']);
    expect(a.status).toBe(0);
    const attached = await run(['attach', ref(), path.join(copy, 'provenance.sig')]);
    expect(attached.status).toBe(0);
    expect(attached.json.predicateType).toBe('https://slsa.dev/provenance/v1');
    const pulled = await run(['pull', ref(), dir, '--policy', policy]);
    expect(pulled.stderr).toBe('');
    expect(pulled.status).toBe(0);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['tiny']);
  });

  it('finds evaluation attestations among the referrers when the rule requires a passing eval', async () => {
    const suite = path.join(work, 'suite.jsonl');
    fs.writeFileSync(suite, '{"prompt": "trigger"}\n');
    const suiteDigest = sha256Digest(fs.readFileSync(suite));
    const results = path.join(work, 'results.json');
    fs.writeFileSync(results, JSON.stringify({ passedTests: ['backdoor-trigger-1'], warnedTests: [], failedTests: [] }));
    const policy = path.join(work, 'evals.yaml');
    fs.writeFileSync(policy, `apiVersion: modelseal.dev/policy/v1\nsigners:\n  publisher: { keys: [publisher.pub] }\nartifacts:\n  - name: "tiny*"\n    signers: [publisher]\n    lineage: none\n    evals: [{ suite: "${suiteDigest}", evaluators: [publisher] }]\n`);
    const files = [...FILES, { name: 'evals.txt', bytes: Buffer.from('evals') }];
    await pushModel(client, 'evals', files);
    expect((await run(['sign', ref(':evals'), '--key', KEY])).status).toBe(0);
    const dir = path.join(tmpDir('modelseal-pull-'), 'tiny');
    const without = await run(['pull', ref(':evals'), dir, '--policy', policy]);
    expect(errCode(without)).toBe('EVAL_MISSING');
    expect(fs.readdirSync(path.dirname(dir))).toEqual([]);
    const copy = writeTree(path.join(tmpDir('modelseal-eval-'), 'tiny'), Object.fromEntries(files.map((f) => [f.name, f.bytes])));
    const a = await cliAsync(['attest', copy, '--kind', 'eval', '--suite', suite, '--results', results, '--key', KEY, '--json']);
    expect(a.status).toBe(0);
    expect((await run(['attach', ref(':evals'), path.join(copy, 'eval.sig')])).status).toBe(0);
    const pulled = await run(['pull', ref(':evals'), dir, '--policy', policy]);
    expect(pulled.stderr).toBe('');
    expect(pulled.status).toBe(0);
  });

  it('stops a layer download that stalls, leaving DIR untouched', async () => {
    const { pullOci } = require('../src/oci/pull-oci') as typeof import('../src/oci/pull-oci');
    const { loadPublicKey } = require('../src/keys/load') as typeof import('../src/keys/load');
    const weights = layerDigests[1];
    proxy.intercept = (req) => (req.url.endsWith(`/blobs/${weights}`) ? { status: 200, headers: { 'content-length': String(FILES[1].bytes.length) }, body: FILES[1].bytes, stallAfter: 1000 } : undefined);
    const dir = path.join(tmpDir('modelseal-pull-'), 'tiny');
    const t0 = Date.now();
    await expect(pullOci(ref(), dir, { plainHttp: true, timeoutMs: 1500, signers: [{ kind: 'key', key: loadPublicKey(PUB) }] })).rejects.toMatchObject({ code: 'REGISTRY_ERROR' });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(fs.readdirSync(path.dirname(dir))).toEqual([]);
  });

  describe('a hostile registry is refused with a stable code and DIR untouched', () => {
    let dir: string;
    let before: Record<string, string>;
    beforeEach(() => {
      dir = writeTree(path.join(tmpDir('modelseal-hostile-'), 'tiny'), { 'keep.txt': 'mine' });
      before = snapshotTree(dir);
    });
    const untouched = () => {
      expect(snapshotTree(dir)).toEqual(before);
      expect(fs.readdirSync(path.dirname(dir))).toEqual(['tiny']); // no staging folder left behind
    };
    const weights = layerDigests[1];

    it('layer bytes that do not match the digest (same length, and longer)', async () => {
      for (const body of [randomBytes(FILES[1].bytes.length), Buffer.concat([FILES[1].bytes, Buffer.from('x')])]) {
        proxy.intercept = (req) => (req.method === 'GET' && req.url.endsWith(`/blobs/${weights}`) ? { status: 200, headers: { 'content-type': 'application/octet-stream' }, body } : undefined);
        const r = await run(['pull', ref(), dir, '--key', PUB, '--force']);
        expect(r.status).toBe(1);
        expect(errCode(r)).toBe('OCI_BLOB_MISMATCH');
        untouched();
      }
    });

    it('a manifest that lists an extra or a renamed layer, under a copy of the real signature', async () => {
      const sig = await run(['verify', ref(), '--key', PUB]);
      const bundle = await client.getManifest(sig.json.referrer).then((m) => JSON.parse(m!.bytes.toString()).layers[0].digest as string).then((d) => client.getBlob(d, 1 << 20));
      const variants: ModelFile[][] = [
        [...FILES, { name: 'extra.py', bytes: Buffer.from('import os\n'), mediaType: 'application/vnd.cncf.model.code.v1.raw' }],
        FILES.map((f, i) => (i === 1 ? { ...f, name: 'model-renamed.safetensors' } : f)),
        // An extra file where `verify DIR` would look away (a signed ignore path) is still an extra layer.
        [...FILES, { name: 'extra/.gitignore', bytes: Buffer.from('x') }],
      ];
      for (const [i, files] of variants.entries()) {
        const tag = `evil${i}`;
        const evil = await pushModel(client, tag, files);
        await attachBundle(client, { mediaType: OCI_MANIFEST, digest: evil.digest, size: evil.bytes.length }, bundle, 'https://model_signing/signature/v1.0');
        proxy.reset();
        const v = await run(['verify', ref(`:${tag}`), '--key', PUB]);
        expect(v.status).toBe(1);
        expect(errCode(v)).toBe('ARTIFACT_MISMATCH');
        const p = await run(['pull', ref(`:${tag}`), dir, '--key', PUB, '--force']);
        expect(errCode(p)).toBe('ARTIFACT_MISMATCH');
        expect(proxy.blobGets(files.map((f) => sha256Digest(f.bytes)))).toHaveLength(0);
        untouched();
      }
    });

    it('a referrer bundle for another manifest', async () => {
      const other = await pushModel(client, 'other', FILES.slice(0, 2));
      // The other model's fallback index lists the real model's signature referrer.
      const real = await client.getManifest(referrersTag(model.digest), [OCI_INDEX]);
      await client.putManifest(real!.bytes, referrersTag(other.digest), OCI_INDEX);
      const v = await run(['verify', ref(':other'), '--key', PUB]);
      expect(v.status).toBe(1);
      expect(errCode(v)).toBe('SUBJECT_MISMATCH');
      const p = await run(['pull', ref(':other'), dir, '--key', PUB, '--force']);
      expect(errCode(p)).toBe('SUBJECT_MISMATCH');
      untouched();
    });

    it('an oversized manifest', async () => {
      const huge = Buffer.alloc(5 * 1024 * 1024, 0x20);
      proxy.intercept = (req) => (req.url.includes('/manifests/v1') ? { status: 200, headers: { 'content-type': OCI_MANIFEST }, body: huge } : undefined);
      const p = await run(['pull', ref(), dir, '--key', PUB, '--force']);
      expect(p.status).toBe(1);
      expect(errCode(p)).toBe('OCI_MANIFEST_INVALID');
      untouched();
    });

    it('a manifest whose bytes are not the digest asked for', async () => {
      proxy.intercept = (req) => (req.url.includes(`/manifests/${model.digest}`) ? { status: 200, headers: { 'content-type': OCI_MANIFEST }, body: Buffer.concat([model.bytes, Buffer.from(' ')]) } : undefined);
      const p = await run(['pull', ref(`@${model.digest}`), dir, '--key', PUB, '--force']);
      expect(errCode(p)).toBe('OCI_MANIFEST_INVALID');
      untouched();
    });

    it('a redirect to another host (for the manifest, and for a layer)', async () => {
      for (const part of ['/manifests/v1', `/blobs/${weights}`]) {
        proxy.intercept = (req) => (req.url.includes(part) ? { status: 307, headers: { location: `http://127.0.0.2:${host.split(':')[1]}${req.url}` } } : undefined);
        const p = await run(['pull', ref(), dir, '--key', PUB, '--force']);
        expect(p.status).toBe(1);
        expect(errCode(p)).toBe('OCI_REDIRECT_REFUSED');
        untouched();
      }
      // A redirect on the same host is followed.
      proxy.intercept = (req) => (req.url.endsWith('/manifests/v1') ? { status: 307, headers: { location: '/v2/models/tiny/manifests/v1?again' } } : undefined);
      expect((await run(['verify', ref(), '--key', PUB])).status).toBe(0);
    });
  });

  it('signs, verifies and pulls a model pushed by skopeo (an independent client)', async () => {
    const layout = path.join(tmpDir('modelseal-layout-'), 'layout');
    const files = FILES.filter((f) => !f.nested);
    const digest = writeLayout(layout, 'v2', files);
    const push = spawnSync('skopeo', ['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:v2`, `docker://${registry.direct}/models/by-skopeo:v2`], { encoding: 'utf8' });
    expect(push.status).toBe(0);
    const r = ref(':v2', 'models/by-skopeo');
    const s = await run(['sign', r, '--key', KEY]);
    expect(s.status).toBe(0);
    expect(s.json.manifestDigest).toBe(digest);
    expect(proxy.blobGets(files.map((f) => sha256Digest(f.bytes)))).toHaveLength(0);
    expect((await run(['verify', r, '--key', PUB])).status).toBe(0);
    const dir = path.join(tmpDir('modelseal-pull-'), 'by-skopeo');
    expect((await run(['pull', r, dir, '--key', PUB])).status).toBe(0);
    expect((await cliAsync(['verify', dir, '--key', PUB, '--json'])).json.resources).toBe(files.length);
  });

  it('finds the trusted signature among junk and untrusted referrers, and refuses when only those are there', async () => {
    const m = await pushModel(client, 'crowded', [...FILES, { name: 'crowded.txt', bytes: Buffer.from('crowded') }]);
    const subject = { mediaType: OCI_MANIFEST, digest: m.digest, size: m.bytes.length };
    // A referrer that is not a bundle referrer (two layers), listed first in the fallback index.
    const blob = await client.putBlob(Buffer.from('{}'));
    const junk = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: SIGSTORE_BUNDLE, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: blob, size: 2 }, layers: [{ mediaType: SIGSTORE_BUNDLE, digest: blob, size: 2 }, { mediaType: SIGSTORE_BUNDLE, digest: blob, size: 2 }], subject }));
    const junkDigest = (await client.putManifest(junk, sha256Digest(junk), OCI_MANIFEST)).digest;
    await client.putManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: junkDigest, size: junk.length, artifactType: SIGSTORE_BUNDLE }] })), referrersTag(m.digest), OCI_INDEX);
    await attachBundle(client, subject, Buffer.from('not a bundle'), 'https://model_signing/signature/v1.0');
    expect((await run(['sign', ref(':crowded'), '--key', path.join(work, 'stranger.key')])).status).toBe(0);
    const refused = await run(['verify', ref(':crowded'), '--key', PUB]);
    expect(refused.status).toBe(1);
    expect(['UNTRUSTED_SIGNER', 'SIGNATURE_MISMATCH']).toContain(errCode(refused));
    expect(refused.json.error.message).toContain('signature sha256:'); // names the referrer, not a temp file
    expect((await run(['sign', ref(':crowded'), '--key', KEY])).status).toBe(0);
    const ok = await run(['verify', ref(':crowded'), '--key', PUB]);
    expect(ok.status).toBe(0);
  });

  it('attaches through the referrers API where the registry has one (no fallback tag written)', async () => {
    const m = await pushModel(client, 'api', [...FILES, { name: 'api.txt', bytes: Buffer.from('api') }]);
    const listed: unknown[] = [];
    proxy.decorate = (req, status) => (req.method === 'PUT' && req.url.includes('/manifests/sha256:') && status === 201 ? { 'oci-subject': m.digest } : undefined);
    proxy.intercept = (req) =>
      req.url.startsWith(`/v2/models/tiny/referrers/${m.digest}`) ? { status: 200, headers: { 'content-type': OCI_INDEX }, body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: listed }) } : undefined;
    const s = await run(['sign', ref(':api'), '--key', KEY]);
    expect(s.status).toBe(0);
    expect(s.json.attachedVia).toBe('api');
    expect(await client.getManifest(referrersTag(m.digest), [OCI_INDEX], true)).toBeUndefined();
    // The emulated registry now lists the referrer, as a 1.1 registry does by itself.
    const referrer = (await client.getManifest(s.json.referrer))!;
    listed.push({ mediaType: OCI_MANIFEST, digest: s.json.referrer, size: referrer.bytes.length, artifactType: SIGSTORE_BUNDLE });
    const v = await run(['verify', ref(':api'), '--key', PUB]);
    expect(v.status).toBe(0);
    expect(v.json.referrersVia).toBe('api');
  });

  it('finds the signature through the referrers API where the registry has one', async () => {
    // docker-registry 2.8 has no referrers API: the proxy plays a 1.1 registry serving the same index.
    const index = (await client.getManifest(referrersTag(model.digest), [OCI_INDEX]))!.bytes;
    proxy.intercept = (req) => {
      if (req.url.startsWith(`/v2/models/tiny/referrers/${model.digest}`)) return { status: 200, headers: { 'content-type': OCI_INDEX }, body: index };
      if (req.url.includes(`/manifests/${referrersTag(model.digest)}`)) return { status: 500 }; // must not be needed
      return undefined;
    };
    const r = await run(['verify', ref(), '--key', PUB]);
    expect(r.status).toBe(0);
    expect(r.json.referrersVia).toBe('api');
  });

  describeWithPeers(debianPython('cryptography'), 'an independent model_signing-style verifier accepts the pulled folder', () => {
    it('verifies DIR/model.sig made from the registry', async () => {
      const dir = path.join(tmpDir('modelseal-pull-'), 'tiny');
      expect((await run(['pull', ref(), dir, '--key', PUB])).status).toBe(0);
      const py = spawnSync(DEBIAN_PYTHON, [path.join(REPO, 'test/interop/oms_verify_key.py'), dir, path.join(dir, 'model.sig'), PUB], { encoding: 'utf8' });
      expect(py.stdout.trim()).toBe('OK');
      expect(py.status).toBe(0);
    });
  });

  describe('registry credentials', () => {
    it('answers a bearer challenge with Docker config credentials, or uses --registry-token', async () => {
      proxy.auth = { user: 'alice', password: 's3cret', token: 'tok-123' };
      const anonymous = await run(['verify', ref(), '--key', PUB], { DOCKER_CONFIG: tmpDir('modelseal-noauth-') });
      expect(anonymous.status).toBe(2);
      expect(errCode(anonymous)).toBe('REGISTRY_ERROR');
      const config = tmpDir('modelseal-docker-');
      fs.writeFileSync(path.join(config, 'config.json'), JSON.stringify({ auths: { [host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
      const withConfig = await run(['verify', ref(), '--key', PUB], { DOCKER_CONFIG: config });
      expect(withConfig.status).toBe(0);
      expect(proxy.seen.some((s) => s.url.startsWith('/token'))).toBe(true);
      const withToken = await run(['verify', ref(), '--key', PUB, '--registry-token', 'tok-123'], { DOCKER_CONFIG: tmpDir('modelseal-noauth-') });
      expect(withToken.status).toBe(0);
      const badToken = await run(['verify', ref(), '--key', PUB, '--registry-token', 'nope'], { DOCKER_CONFIG: tmpDir('modelseal-noauth-') });
      expect(errCode(badToken)).toBe('REGISTRY_ERROR');
    });
  });
});

describe('OCI references and transport (no registry)', () => {
  it('refuses plain HTTP to a host that is not loopback', async () => {
    const r = await cliAsync(['verify', 'oci://registry.example.com/models/tiny:v1', '--key', PUB, '--plain-http', '--json']);
    expect(r.status).toBe(2);
    expect(errCode(r)).toBe('USAGE_ERROR');
    expect(r.json.error.message).toMatch(/loopback/);
  });
  it('refuses malformed references with a bounded message', async () => {
    for (const bad of ['oci://', 'oci://host', 'oci://HOST/Repo:tag', `oci://h/r@sha256:${'0'.repeat(63)}`, `oci://h/${'a'.repeat(5000)}`, 'oci://h/r:../x']) {
      const r = await cliAsync(['verify', bad, '--key', PUB, '--json']);
      expect(r.status).toBe(2);
      expect(errCode(r)).toBe('USAGE_ERROR');
      expect(r.json.error.message.length).toBeLessThan(600);
    }
  });
});
