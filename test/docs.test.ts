import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES } from '../src';
import { cli, REPO } from './helpers/cli';
import { docBlocks } from './helpers/doc-blocks';
import { tmpDir } from './helpers/tmp';

describe('documentation and examples stay true', () => {
  it('the user guide documents every error code with its exit status', () => {
    const guide = fs.readFileSync(path.join(REPO, 'docs/guide.md'), 'utf8');
    for (const { code, exit } of ERROR_CODES) {
      expect({ code, documented: new RegExp(`\\| \`${code}\` \\| ${exit} \\|`).test(guide) }).toEqual({ code, documented: true });
    }
  });

  it('docs/library.md shows every top-level name in a block the docs tests run', () => {
    const names = Object.keys(require(REPO) as object).sort();
    expect(names.length).toBe(16);
    const run = docBlocks('docs/library.md').filter((b) => b.skip === undefined && ['js', 'ts'].includes(b.lang));
    // Imported from 'modelseal' (require or import) and used after the import.
    const imports = (code: string) => [...code.matchAll(/\{([^}]*)\}\s*(?:=\s*require\(|from\s+)'modelseal'/g)].flatMap((m) => m[1].split(',').map((n) => n.replace(/^\s*type\s+/, '').trim()));
    const used = (name: string) => run.some((b) => imports(b.code).includes(name) && (b.code.match(new RegExp(`\\b${name}\\b`, 'g')) ?? []).length >= 2);
    expect(names.filter((n) => !used(n))).toEqual([]);
  });

  it('npm run demo signs, verifies and shows refusals', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'scripts/demo.js')], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Verified \$DEMO\/tiny-llm: sha256:[0-9a-f]{64}/);
    expect(r.stdout).toMatch(/\[ARTIFACT_MISMATCH\]/);
    expect(r.stdout).toMatch(/\[SIGNATURE_MISMATCH\]/);
    expect(r.stdout).toMatch(/lineage verified \(3 artifacts\)/);
    expect(r.stdout).toMatch(/\[LINEAGE_MISMATCH\]/);
    expect(r.stdout).toMatch(/near pinned "example-org\/tiny-llm"/);
    expect(r.stdout).toMatch(/every step behaved as expected/);
  });

  it('examples/verify-before-load.js verifies a signed copy and refuses a tampered one', () => {
    const dir = tmpDir();
    const model = path.join(dir, 'tiny-llm');
    fs.cpSync(path.join(REPO, 'examples/artifacts/tiny-llm'), model, { recursive: true });
    expect(cli(['sign', model, '--key', path.join(REPO, 'keys-example/publisher-ed25519.key')]).status).toBe(0);
    const run = () => spawnSync(process.execPath, [path.join(REPO, 'examples/verify-before-load.js'), model, path.join(REPO, 'keys-example/publisher-ed25519.pub')], { encoding: 'utf8' });
    let r = run();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^verified sha256:[0-9a-f]{64} \(3 files\)/);
    fs.appendFileSync(path.join(model, 'config.json'), ' ');
    r = run();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refusing to load: .*changed: "config.json" \[ARTIFACT_MISMATCH\]/);
  });
});
