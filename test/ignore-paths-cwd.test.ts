import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveIgnorePathsFromCwd } from '../src/digest/ignore';
import { cli } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';

// --ignore-paths as model_signing resolves it: from the current folder, kept if inside the
// artifact; artifact-relative only when that is the one reading that exists; a warning when
// a path matches nothing.

function layout() {
  const cwd = tmpDir();
  writeTree(cwd, { 'models/m/readme.md': 'r', 'models/m/w.bin': 'w', 'models/m/sub/notes.txt': 'n', 'readme.md': 'top-level, outside the model' });
  return { cwd, model: path.join(cwd, 'models', 'm') };
}

describe('resolveIgnorePathsFromCwd', () => {
  it('a path from the current folder that lands inside the artifact is kept, relative to the artifact', () => {
    const { cwd } = layout();
    expect(resolveIgnorePathsFromCwd('models/m', ['models/m/readme.md', './models/m/sub'], cwd)).toEqual({ paths: ['readme.md', 'sub'], warnings: [] });
  });

  it('absolute paths inside the artifact, and paths from a current folder inside the artifact', () => {
    const { cwd, model } = layout();
    expect(resolveIgnorePathsFromCwd(model, [path.join(model, 'w.bin')], cwd).paths).toEqual(['w.bin']);
    expect(resolveIgnorePathsFromCwd('..', ['notes.txt', '../readme.md'], path.join(model, 'sub')).paths).toEqual(['sub/notes.txt', 'readme.md']);
  });

  it('artifact-relative only when that is the only existing reading', () => {
    const { cwd } = layout();
    // "sub/notes.txt" does not exist from the current folder, it does inside the artifact.
    expect(resolveIgnorePathsFromCwd('models/m', ['sub/notes.txt'], cwd)).toEqual({ paths: ['sub/notes.txt'], warnings: [] });
    // "readme.md" exists both from the current folder (outside the model) and inside it: the
    // model_signing reading wins (outside: ignores nothing), and a warning says so.
    const both = resolveIgnorePathsFromCwd('models/m', ['readme.md'], cwd);
    expect(both.paths).toEqual([]);
    expect(both.warnings).toHaveLength(1);
    expect(both.warnings[0]).toMatch(/outside the artifact.*ignores nothing/);
  });

  it('warns for a path that matches nothing, inside or outside', () => {
    const { cwd } = layout();
    const r = resolveIgnorePathsFromCwd('models/m', ['models/m/nope.txt', 'elsewhere/nope'], cwd);
    expect(r.paths).toEqual(['nope.txt']); // inside the artifact: recorded, as model_signing records it
    expect(r.warnings).toHaveLength(2);
    for (const w of r.warnings) expect(w).toMatch(/matches nothing/);
  });

  it('refuses what the artifact-relative rules refuse (globs, the root itself)', () => {
    const { cwd, model } = layout();
    expect(() => resolveIgnorePathsFromCwd('models/m', ['models/m/*.md'], cwd)).toThrow(expect.objectContaining({ code: 'USAGE_ERROR' }));
    expect(() => resolveIgnorePathsFromCwd(model, ['.'], model)).toThrow(expect.objectContaining({ code: 'USAGE_ERROR' }));
  });

  it('a link inside the artifact is ignored by its own name, not by where it points', () => {
    const { cwd, model } = layout();
    fs.symlinkSync(path.join(cwd, 'readme.md'), path.join(model, 'link.md'));
    expect(resolveIgnorePathsFromCwd('models/m', ['models/m/link.md'], cwd).paths).toEqual(['link.md']);
  });
});

describe('--ignore-paths on the command line', () => {
  it('a model_signing-style path from the current folder ignores the file in sign, digest and verify', () => {
    const { cwd } = layout();
    const keys = tmpDir();
    cli(['keygen', '--out', path.join(keys, 'k')]);
    const signed = cli(['sign', 'models/m', '--key', path.join(keys, 'k.key'), '--ignore-paths', 'models/m/readme.md', '--json'], { cwd });
    expect(signed.status).toBe(0);
    expect(signed.json.warnings).toBeUndefined();
    const sig = path.join(cwd, 'models/m/model.sig');
    const st = JSON.parse(Buffer.from(JSON.parse(fs.readFileSync(sig, 'utf8')).dsseEnvelope.payload, 'base64').toString('utf8'));
    expect(st.predicate.serialization.ignore_paths).toContain('readme.md');
    expect(st.predicate.resources.map((r: { name: string }) => r.name)).toEqual(['sub/notes.txt', 'w.bin']);
    fs.writeFileSync(path.join(cwd, 'models/m/readme.md'), 'changed');
    expect(cli(['verify', 'models/m', '--key', path.join(keys, 'k.pub'), '--ignore-paths', 'models/m/readme.md'], { cwd }).status).toBe(0);
    const d = cli(['digest', 'models/m', '--ignore-paths', 'models/m/readme.md', '--json'], { cwd });
    expect(d.json.digest).toBe(signed.json.digest);
  });

  it('the artifact-relative form still works where only it exists', () => {
    const { cwd } = layout();
    const a = cli(['digest', 'models/m', '--ignore-paths', 'sub/notes.txt', '--json'], { cwd });
    const b = cli(['digest', 'models/m', '--ignore-paths', 'models/m/sub/notes.txt', '--json'], { cwd });
    expect(a.status).toBe(0);
    expect(a.json.digest).toBe(b.json.digest);
    expect(a.json.resources.map((r: { name: string }) => r.name)).toEqual(['readme.md', 'w.bin']);
  });

  it('a path that matches nothing warns on stderr (silent with --quiet, listed with --json)', () => {
    const { cwd } = layout();
    const r = cli(['digest', 'models/m', '--ignore-paths', 'no/such/file'], { cwd });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^modelseal digest: warning: ignore path "no\/such\/file" matches nothing.*\[IGNORE_PATH_UNMATCHED\]\n$/);
    expect(cli(['digest', 'models/m', '--ignore-paths', 'no/such/file', '--quiet'], { cwd }).stderr).toBe('');
    const j = cli(['digest', 'models/m', '--ignore-paths', 'no/such/file', '--json'], { cwd });
    expect(j.stderr).toBe('');
    expect(j.json.warnings).toEqual([expect.objectContaining({ code: 'IGNORE_PATH_UNMATCHED' })]);
  });

  it('a warning message does not grow with the input beyond the path itself', () => {
    const { cwd } = layout();
    const long = 'x'.repeat(200);
    const r = cli(['digest', 'models/m', '--ignore-paths', long, '--json'], { cwd });
    expect(r.json.warnings[0].message.length).toBeLessThan(long.length + 200);
  });
});
