import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateKeyPair, parsePrivateKey } from '../src/keys';
import { signArtifact } from '../src/sign/sign-artifact';
import { verifyArtifact } from '../src/verify/verify-artifact';
import { readVerified } from '../src/load/verified-read';
import { scanFile } from '../src/load/scan-path';
import { analyzeSource } from '../src/load/file-format';
import { ModelsealError } from '../src/errors';
import { cli, REPO } from './helpers/cli';
import { describeWithPeers, PEER_PYTHON, venvPython } from './helpers/peers';
import { tmpDir } from './helpers/tmp';

/**
 * The load-time corpus: malicious and benign files made at test time with the real
 * torch, numpy and joblib (test/corpus/make_corpus.py). Every malicious file is first
 * proven to run its payload when its library loads it (a marker file, then deleted);
 * every benign torch file is proven to load under torch.load(weights_only=True).
 * Then: 100 % of malicious files flagged, 0 benign flagged, by scan and by readVerified.
 * Figures: MODELSEAL_PYTHON=… npx jest test/load-corpus.test.ts (printed, and in docs/security.md).
 */
interface Entry { kind: 'malicious' | 'benign'; file: string; class: string; loader: string; id: string }

const py = (script: string, ...args: string[]) => {
  const r = spawnSync(PEER_PYTHON, [path.join(REPO, 'test', 'corpus', script), ...args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr.slice(-2000)}`);
  return r.stdout;
};

describeWithPeers(venvPython('torch', 'numpy', 'joblib'), 'load-time corpus made with torch, numpy and joblib', () => {
  let out: string;
  let markers: string;
  let manifest: Entry[];
  let proof: { executed: string[]; not_executed: string[]; benign_ok: string[]; benign_failed: string[] };

  beforeAll(() => {
    const root = tmpDir();
    out = path.join(root, 'corpus');
    markers = path.join(root, 'markers');
    fs.mkdirSync(markers);
    py('make_corpus.py', out, markers, path.join(root, 'manifest.json'));
    manifest = JSON.parse(fs.readFileSync(path.join(root, 'manifest.json'), 'utf8')) as Entry[];
    proof = JSON.parse(py('prove_corpus.py', out, markers, path.join(root, 'manifest.json')).trim().split('\n').pop() as string);
  }, 600_000);

  const malicious = () => manifest.filter((m) => m.kind === 'malicious');
  const benign = () => manifest.filter((m) => m.kind === 'benign');

  it('holds at least 60 malicious files, each proven to run its payload when its library loads it', () => {
    expect(malicious().length).toBeGreaterThanOrEqual(60);
    expect(proof.not_executed).toEqual([]);
    expect(proof.executed.sort()).toEqual(malicious().map((m) => m.file).sort());
    expect(fs.readdirSync(markers)).toEqual([]); // every marker was deleted after it was seen
  });

  it('holds at least 40 benign files shaped like real checkpoints, each loading under its library (torch with weights_only=True)', () => {
    expect(benign().length).toBeGreaterThanOrEqual(40);
    expect(proof.benign_failed).toEqual([]);
    expect(proof.benign_ok.length).toBe(benign().length);
  });

  it('scan: 100 % of malicious files flagged, 0 benign flagged, each file judged quickly', () => {
    const missed: string[] = [];
    const falsePositives: string[] = [];
    const byVerdict: Record<string, number> = {};
    for (const m of manifest) {
      const t0 = Date.now();
      const r = scanFile(path.join(out, m.file), m.id);
      expect(Date.now() - t0).toBeLessThan(5000);
      if (m.kind === 'malicious') {
        byVerdict[r.verdict] = (byVerdict[r.verdict] ?? 0) + 1;
        if (r.verdict === 'SAFE') missed.push(m.file);
      } else if (r.verdict !== 'SAFE') falsePositives.push(`${m.file}: ${r.verdict} ${JSON.stringify([...r.reasons, ...r.pickles.flatMap((p) => p.findings)]).slice(0, 300)}`);
    }
    // eslint-disable-next-line no-console
    console.log(`corpus: ${malicious().length - missed.length}/${malicious().length} malicious flagged (${JSON.stringify(byVerdict)}), ${falsePositives.length}/${benign().length} benign flagged`);
    expect(missed).toEqual([]);
    expect(falsePositives).toEqual([]);
  });

  it('scan CLI over the whole corpus: exit 1, every benign file SAFE in --json, every malicious one not', () => {
    const r = cli(['scan', out, '--json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    const verdicts = new Map<string, string>((r.json.files as Array<{ name: string; verdict: string }>).map((f) => [f.name, f.verdict]));
    for (const m of manifest) expect([m.file, verdicts.get(m.file) === 'SAFE']).toEqual([m.file, m.kind === 'benign']);
    const benignOnly = cli(['scan', path.join(out, 'benign')]);
    expect(benignOnly.status).toBe(0);
  });

  it('readVerified (pickles allowed by the rule): every malicious file refused with a stable code, every benign file read', async () => {
    const pair = generateKeyPair('ed25519');
    const sig = path.join(tmpDir(), 'corpus.sig');
    await signArtifact(out, { key: parsePrivateKey(pair.privatePem), signature: sig });
    const verified = await verifyArtifact(out, { keys: pair.publicKey, signature: sig });
    const codes: Record<string, number> = {};
    for (const m of manifest) {
      try {
        const bytes = await readVerified(out, m.file, verified, { allowPickle: true });
        expect([m.file, m.kind]).toEqual([m.file, 'benign']);
        expect(bytes.length).toBe(fs.statSync(path.join(out, m.file)).size);
      } catch (err) {
        expect(err).toBeInstanceOf(ModelsealError);
        const code = (err as ModelsealError).code;
        expect([m.file, m.kind]).toEqual([m.file, 'malicious']);
        expect(['DANGEROUS_IMPORT', 'UNKNOWN_IMPORT', 'UNSCANNABLE', 'FORMAT_INVALID']).toContain(code);
        codes[code] = (codes[code] ?? 0) + 1;
      }
    }
    expect(Object.values(codes).reduce((a, b) => a + b, 0)).toBe(malicious().length);
    // Without the rule's allowPickle, the benign pickles are refused as pickles.
    const pickled = benign().find((m) => m.class === 'torch-zip') as Entry;
    await expect(readVerified(out, pickled.file, verified)).rejects.toMatchObject({ code: 'PICKLE_REFUSED' });
  }, 120_000);

  it('never reads tensor data: a 64 MiB torch checkpoint (zip and legacy) and joblib file are judged from a few MiB', () => {
    const dir = tmpDir();
    const r = spawnSync(PEER_PYTHON, ['-c', `
import sys, torch, numpy as np, joblib
d = sys.argv[1]
sd = {'w': torch.zeros(16 * 1024 * 1024)}
torch.save(sd, d + '/big.pt')
torch.save(sd, d + '/big-legacy.pt', _use_new_zipfile_serialization=False)
joblib.dump({'w': np.zeros(8 * 1024 * 1024)}, d + '/big.joblib')
`, dir], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    for (const f of ['big.pt', 'big-legacy.pt', 'big.joblib']) {
      const fd = fs.openSync(path.join(dir, f), 'r');
      const size = fs.fstatSync(fd).size;
      let read = 0;
      const src = {
        size,
        read: (o: number, n: number) => {
          read += n;
          const b = Buffer.alloc(n);
          fs.readSync(fd, b, 0, n, o);
          return b;
        },
      };
      const a = analyzeSource(f, src);
      fs.closeSync(fd);
      expect([f, a.verdict]).toEqual([f, 'SAFE']);
      expect(size).toBeGreaterThan(60 << 20);
      expect([f, read < 8 << 20]).toEqual([f, true]);
    }
  }, 120_000);
});
