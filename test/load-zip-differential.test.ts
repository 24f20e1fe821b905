import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { extractZipEntry, readZipEntries, ZipError } from '../src/load/zip-entries';
import { REPO } from './helpers/cli';
import { describeWithPeers, program } from './helpers/peers';
import { pythonBytes, tensorPickle, zipBytes } from './helpers/pickle-bytes';
import { tmpDir } from './helpers/tmp';

/**
 * Differential against Python's zipfile: for damaged copies of real archives (ours, Python's
 * with and without ZIP64, deflated), whenever the strict reader accepts an archive, zipfile
 * must see exactly the same entry names, and the same bytes for every entry it can read.
 */
describeWithPeers(program('python3', ['-c', 'import pickle, zipfile'], 'a CPython 3 as python3 on PATH'), 'the strict zip reader against Python zipfile', () => {
  it('never accepts an archive that zipfile reads differently', () => {
    const py = pythonBytes(`
import io, zipfile, sys, json
out = []
for z64, comp in ((False, zipfile.ZIP_STORED), (True, zipfile.ZIP_STORED), (False, zipfile.ZIP_DEFLATED), (True, zipfile.ZIP_DEFLATED)):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', compression=comp, allowZip64=True) as z:
        with z.open('archive/data.pkl', 'w', force_zip64=z64) as f: f.write(b'\\x80\\x02}q\\x00.')
        z.writestr('archive/data/0', b'\\x01' * 40)
        z.writestr('archive/version', b'3\\n')
    out.append(b.getvalue().hex())
sys.stdout.write(json.dumps(out))`);
    const bases = [...(JSON.parse(py.toString()) as string[]).map((h) => Buffer.from(h, 'hex')), zipBytes([{ name: 'a/data.pkl', data: tensorPickle() }, { name: 'a/data/0', data: Buffer.alloc(8) }])];
    const runs = Number(process.env.MODELSEAL_DIFF_RUNS ?? 3000);
    const mutated = fc.tuple(fc.constantFrom(...bases), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 })).map(([base, edits]) => {
      const b = Buffer.from(base);
      // bias the edits toward the directory and end records at the tail, where readers disagree
      for (const [i, v] of edits) b[i % 3 === 0 ? i % b.length : b.length - 1 - (i % Math.min(b.length, 200))] = v;
      return b;
    });
    const cases = [...bases, ...fc.sample(mutated, { numRuns: runs, seed: Number(process.env.MODELSEAL_DIFF_SEED ?? 21) })];
    const file = path.join(tmpDir(), 'zips.json');
    fs.writeFileSync(file, JSON.stringify(cases.map((c) => c.toString('hex'))));
    const r = spawnSync('python3', [path.join(REPO, 'test', 'corpus', 'zip_oracle.py'), file], { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 << 20 });
    expect(r.status).toBe(0);
    const theirs = JSON.parse(r.stdout) as Array<Record<string, string | null> | null>;
    let accepted = 0;
    const disagreements: string[] = [];
    cases.forEach((c, i) => {
      const src = { size: c.length, read: (o: number, n: number) => c.subarray(o, o + n) };
      let entries;
      try {
        entries = readZipEntries(src);
      } catch (err) {
        expect(err).toBeInstanceOf(ZipError);
        return;
      }
      accepted++;
      const py = theirs[i];
      if (py === null) return; // zipfile refuses it: nothing is loaded through it
      const ours = entries.map((e) => e.name).sort();
      if (JSON.stringify(ours) !== JSON.stringify(Object.keys(py).sort())) {
        disagreements.push(`case ${i}: names ${JSON.stringify(ours)} vs ${JSON.stringify(Object.keys(py))}`);
        return;
      }
      for (const e of entries) {
        let data: Buffer | null = null;
        try {
          data = extractZipEntry(src, e, 1 << 20);
        } catch {
          data = null;
        }
        const theirsData = py[e.name];
        if (data !== null && theirsData !== null && data.toString('hex') !== theirsData) disagreements.push(`case ${i}: bytes of ${e.name} differ`);
      }
    });
    expect(disagreements).toEqual([]);
    expect(accepted).toBeGreaterThan(bases.length);
  }, 120_000);
});
