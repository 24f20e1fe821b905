import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, REPO } from './helpers/cli';
import { makeHubCache, makeLocalDir } from './helpers/hf-cache';
import { DEBIAN_PYTHON, debianPython, describeWithPeers, PEER_PYTHON, venvPython } from './helpers/peers';
import { tmpDir } from './helpers/tmp';

const FILES = () => ({
  'config.json': '{"model_type":"tiny"}',
  'model.safetensors': randomBytes(70_000),
  'tokenizer/tokenizer.json': '{"v":1}',
  'tokenizer/vocab.txt': 'a\nb\n',
});

function setup() {
  const files = FILES();
  const cache = tmpDir('hf-hub-');
  const hub = makeHubCache(cache, 'acme/tiny-llm', files);
  const local = makeLocalDir(path.join(tmpDir(), 'tiny-llm'), files, hub.commit);
  const keys = tmpDir();
  expect(cli(['keygen', '--out', path.join(keys, 'k')]).status).toBe(0);
  return { files, cache, hub, local, key: path.join(keys, 'k.key'), pub: path.join(keys, 'k.pub'), out: tmpDir() };
}

const statementOf = (sig: string) => JSON.parse(Buffer.from(JSON.parse(fs.readFileSync(sig, 'utf8')).dsseEnvelope.payload, 'base64').toString('utf8'));

describe('Hugging Face Hub cache snapshots and local-dir copies', () => {
  it('a snapshot signs as the model it represents: link paths as names, blob bytes as digests', () => {
    const s = setup();
    const snap = cli(['digest', s.hub.snapshot, '--json']);
    const local = cli(['digest', s.local, '--json']);
    expect(snap.status).toBe(0);
    expect(local.status).toBe(0);
    expect(snap.json.resources.map((r: { name: string }) => r.name)).toEqual(['config.json', 'model.safetensors', 'tokenizer/tokenizer.json', 'tokenizer/vocab.txt']);
    expect(snap.json.digest).toBe(local.json.digest);
  });

  it('one signature verifies the snapshot and the local-dir copy, whichever was signed', () => {
    const s = setup();
    const sigA = path.join(s.out, 'from-cache.sig');
    expect(cli(['sign', s.hub.snapshot, '--key', s.key, '--signature', sigA]).status).toBe(0);
    const st = statementOf(sigA);
    expect(st.predicate.serialization.allow_symlinks).toBe(false);
    expect(st.predicate.serialization.ignore_paths).toContain('.cache/huggingface');
    expect(cli(['verify', s.hub.snapshot, '--key', s.pub, '--signature', sigA]).status).toBe(0);
    expect(cli(['verify', s.local, '--key', s.pub, '--signature', sigA]).status).toBe(0);

    const sigB = path.join(s.out, 'from-local.sig');
    expect(cli(['sign', s.local, '--key', s.key, '--signature', sigB]).status).toBe(0);
    expect(statementOf(sigB).predicate.resources.map((r: { name: string }) => r.name)).not.toContain('.cache/huggingface/.gitignore');
    expect(statementOf(sigB).predicate.serialization.ignore_paths).toContain('.cache/huggingface');
    expect(cli(['verify', s.hub.snapshot, '--key', s.pub, '--signature', sigB]).status).toBe(0);
    expect(cli(['verify', s.local, '--key', s.pub, '--signature', sigB]).status).toBe(0);
  });

  it('a changed blob is refused when verifying the snapshot', () => {
    const s = setup();
    const sig = path.join(s.out, 'm.sig');
    expect(cli(['sign', s.local, '--key', s.key, '--signature', sig]).status).toBe(0);
    const blob = fs.realpathSync(path.join(s.hub.snapshot, 'tokenizer/vocab.txt'));
    fs.writeFileSync(blob, 'a\nc\n');
    const r = cli(['verify', s.hub.snapshot, '--key', s.pub, '--signature', sig, '--json']);
    expect(r.status).toBe(1);
  });

  it('.cache/huggingface is honoured as signed when the signature includes it', () => {
    const s = setup();
    const sig = path.join(s.out, 'all.sig');
    expect(cli(['sign', s.local, '--key', s.key, '--signature', sig, '--no-default-ignores']).status).toBe(0);
    const names = statementOf(sig).predicate.resources.map((r: { name: string }) => r.name);
    expect(names).toContain('.cache/huggingface/.gitignore');
    expect(cli(['verify', s.local, '--key', s.pub, '--signature', sig, '--no-default-ignores']).status).toBe(0);
    fs.writeFileSync(path.join(s.local, '.cache/huggingface/.gitignore'), 'changed');
    expect(cli(['verify', s.local, '--key', s.pub, '--signature', sig, '--no-default-ignores']).status).toBe(1);
  });

  describe('links that leave the repository folder stay refused', () => {
    const refused = (snapshot: string) => {
      const r = cli(['digest', snapshot, '--json']);
      expect(r.status).toBe(2);
      return r.json.error.code as string;
    };

    it('a link to the blobs of another repository in the same cache', () => {
      const s = setup();
      const other = makeHubCache(s.cache, 'evil/other', { 'payload.bin': 'x' });
      const link = path.join(s.hub.snapshot, 'extra.bin');
      fs.symlinkSync(path.relative(path.dirname(link), fs.realpathSync(path.join(other.snapshot, 'payload.bin'))), link);
      expect(refused(s.hub.snapshot)).toBe('SYMLINK_REFUSED');
      expect(cli(['digest', s.hub.snapshot, '--allow-symlinks', '--json']).json.error.code).toBe('SYMLINK_ESCAPES_ROOT');
    });

    it('a link to a file outside the cache, to refs/main, or through a folder inside blobs/', () => {
      for (const target of ['outside', 'refs', 'nested']) {
        const s = setup();
        const link = path.join(s.hub.snapshot, 'x.bin');
        if (target === 'outside') {
          const secret = path.join(tmpDir(), 'secret.txt');
          fs.writeFileSync(secret, 'secret');
          fs.symlinkSync(secret, link);
        } else if (target === 'refs') {
          fs.symlinkSync('../../refs/main', link);
        } else {
          fs.mkdirSync(path.join(s.hub.repo, 'blobs', 'sub'));
          fs.writeFileSync(path.join(s.hub.repo, 'blobs', 'sub', 'f'), 'x');
          fs.symlinkSync('../../blobs/sub/f', link);
        }
        expect(refused(s.hub.snapshot)).toBe('SYMLINK_REFUSED');
      }
    });

    it('a blobs/ folder that is itself a link does not count as the repository\'s blobs', () => {
      const s = setup();
      const elsewhere = tmpDir();
      for (const f of fs.readdirSync(path.join(s.hub.repo, 'blobs'))) fs.copyFileSync(path.join(s.hub.repo, 'blobs', f), path.join(elsewhere, f));
      fs.rmSync(path.join(s.hub.repo, 'blobs'), { recursive: true });
      fs.symlinkSync(elsewhere, path.join(s.hub.repo, 'blobs'));
      expect(refused(s.hub.snapshot)).toBe('SYMLINK_REFUSED');
    });

    it('a folder merely named like a snapshot outside a models-- folder gets no exception', () => {
      const root = tmpDir();
      const snap = path.join(root, 'not-a-repo', 'snapshots', 'abc');
      fs.mkdirSync(path.join(root, 'not-a-repo', 'blobs'), { recursive: true });
      fs.mkdirSync(snap, { recursive: true });
      fs.writeFileSync(path.join(root, 'not-a-repo', 'blobs', 'b'), 'x');
      fs.symlinkSync('../../blobs/b', path.join(snap, 'f'));
      expect(refused(snap)).toBe('SYMLINK_REFUSED');
    });
  });
});

describeWithPeers(venvPython('huggingface_hub'), "huggingface_hub's scan_cache_dir recognises the test cache layout", () => {
  it('lists the repository, its revision, its ref and every file, with no warnings', () => {
    const s = setup();
    const py = [
      'import json, sys',
      'from huggingface_hub import scan_cache_dir',
      'info = scan_cache_dir(sys.argv[1])',
      'print(json.dumps({"warnings": [str(w) for w in info.warnings], "repos": [{"id": r.repo_id, "type": r.repo_type, "revisions": [',
      '  {"commit": v.commit_hash, "refs": sorted(v.refs), "files": sorted(str(f.file_path.relative_to(v.snapshot_path)) for f in v.files)} for v in r.revisions]} for r in info.repos]}))',
    ].join('\n');
    const r = spawnSync(PEER_PYTHON, ['-c', py, s.cache], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.warnings).toEqual([]);
    expect(out.repos).toEqual([{ id: 'acme/tiny-llm', type: 'model', revisions: [{ commit: s.hub.commit, refs: ['main'], files: Object.keys(s.files).sort() }] }]);
  });
});

describeWithPeers(debianPython('cryptography'), 'a signature made on the cache snapshot verifies the local-dir copy with a model_signing-style verifier', () => {
  it('the Python EC verifier (it honours the signed ignore paths) accepts the local-dir copy', () => {
    const s = setup();
    const sig = path.join(s.out, 'cache.sig');
    expect(cli(['sign', s.hub.snapshot, '--key', s.key, '--signature', sig]).status).toBe(0);
    const r = spawnSync(DEBIAN_PYTHON, [path.join(REPO, 'test/interop/oms_verify_key.py'), s.local, sig, s.pub], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('OK');
  });
});
