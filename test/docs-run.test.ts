import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { REPO } from './helpers/cli';
import { docBlocks, docFiles, SCRIPT_LANGS, SHELL_LANGS, shellPrelude, type DocBlock } from './helpers/doc-blocks';
import { signArtifact } from '../src';
import { buildLineageChain } from './helpers/lineage-chain';
import { tmpDir } from './helpers/tmp';

/**
 * Docs are tests: every shell and JS/TS block of README.md and docs/*.md runs, in order, in a
 * fresh folder per document (the "world" below), unless the line before it is a
 * `<!-- doc-test: output -->` or `<!-- doc-test: needs ... -->` marker. Library snippets run
 * as CommonJS (as written) and as ESM (requires turned into imports); TypeScript ones are
 * transpiled and run as ESM. `modelseal` resolves to this checkout (node_modules link, and
 * the built CLI for `modelseal`/`npx modelseal` in shell blocks).
 */

jest.setTimeout(300_000);

/** The folder a document's blocks start in: what its examples name, and nothing they create. */
type World = 'empty' | 'artifacts' | 'lineage';
const WORLDS: Record<string, World> = {
  'README.md': 'empty',
  'docs/guide.md': 'artifacts',
};

let template: Record<World, string>;

function link(dir: string): void {
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  fs.symlinkSync(REPO, path.join(dir, 'node_modules', 'modelseal'));
}

async function makeWorlds(): Promise<Record<World, string>> {
  const base = tmpDir('modelseal-docs-');
  const empty = path.join(base, 'empty');
  fs.mkdirSync(empty);
  const artifacts = path.join(base, 'artifacts');
  fs.mkdirSync(artifacts);
  fs.cpSync(path.join(REPO, 'examples/artifacts/tiny-llm'), path.join(artifacts, 'my-model'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'examples/artifacts/tiny-lora/adapter_model.safetensors'), path.join(artifacts, 'adapter.safetensors'));
  const lineage = path.join(base, 'lineage');
  const chain = await buildLineageChain(lineage);
  fs.cpSync(path.join(REPO, 'examples/artifacts/tiny-llm'), path.join(lineage, 'models', 'llama-ft'), { recursive: true });
  await signArtifact(path.join(lineage, 'models', 'llama-ft'), { key: chain.keys.publisher });
  fs.cpSync(path.join(REPO, 'examples/artifacts/tiny-llm'), path.join(lineage, 'my-model'), { recursive: true });
  for (const w of [empty, artifacts, lineage]) {
    // The repository's examples, as the docs run them from a checkout.
    for (const d of ['examples', 'keys-example', 'docs']) fs.symlinkSync(path.join(REPO, d), path.join(w, d));
  }
  return { empty, artifacts, lineage };
}

function freshWorld(world: World): string {
  const dir = tmpDir('modelseal-doc-');
  fs.cpSync(template[world], dir, { recursive: true, verbatimSymlinks: true });
  link(dir);
  return dir;
}

/** The ESM form of a CommonJS snippet: `const { a, b } = require('x');` becomes `import { a, b } from 'x';`. */
export function esmForm(code: string): string {
  return code.replace(/^const \{([^}]*)\} = require\(('[^']+')\);$/gm, (_m, names: string, from: string) => `import {${names.replace(/(\w+)\s*:\s*(\w+)/g, '$1 as $2')}} from ${from};`);
}

function run(cmd: string, args: string[], cwd: string) {
  const { NODE_ENV: _jest, ...env } = process.env;
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000, env });
}

function runBlock(b: DocBlock, cwd: string): { ok: boolean; output: string }[] {
  const results: { ok: boolean; output: string }[] = [];
  const report = (r: ReturnType<typeof run>, form: string) => results.push({ ok: r.status === 0, output: `${form}: exit ${r.status}\n${r.stdout}${r.stderr}`.slice(0, 4000) });
  if (SHELL_LANGS.includes(b.lang)) {
    report(run('bash', ['-c', shellPrelude() + b.code], cwd), 'sh');
  } else if (b.lang === 'ts' || b.lang === 'typescript') {
    const js = ts.transpileModule(b.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    fs.writeFileSync(path.join(cwd, 'snippet.mjs'), js);
    report(run(process.execPath, ['snippet.mjs'], cwd), 'ts as ESM');
  } else {
    // The ESM form runs on a copy of the folder as it was, so both forms see the same start.
    const esmDir = `${cwd}-esm`;
    fs.rmSync(esmDir, { recursive: true, force: true });
    fs.cpSync(cwd, esmDir, { recursive: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(cwd, 'snippet.cjs'), b.code);
    report(run(process.execPath, ['snippet.cjs'], cwd), 'CommonJS');
    if (/require\('modelseal'\)/.test(b.code)) {
      fs.writeFileSync(path.join(esmDir, 'snippet.mjs'), esmForm(b.code));
      report(run(process.execPath, ['snippet.mjs'], esmDir), 'ESM');
    }
    fs.rmSync(esmDir, { recursive: true, force: true });
  }
  return results;
}

const runnable = (b: DocBlock) => !b.skip && (SHELL_LANGS.includes(b.lang) || SCRIPT_LANGS.includes(b.lang));

describe('docs are tests', () => {
  beforeAll(async () => {
    template = await makeWorlds();
  });

  it('every shell and JS/TS block is tagged with its language, and a skip says why', () => {
    for (const f of docFiles()) {
      for (const b of docBlocks(f)) {
        expect({ at: `${b.file}:${b.line}`, tagged: b.lang !== '' }).toEqual({ at: `${b.file}:${b.line}`, tagged: true });
        if (b.skip !== undefined) expect({ at: `${b.file}:${b.line}`, skip: /^(output|needs \S.+)$/.test(b.skip) }).toEqual({ at: `${b.file}:${b.line}`, skip: true });
      }
    }
  });

  it.each(docFiles())('%s: its blocks run as written', (file) => {
    const blocks = docBlocks(file).filter(runnable);
    if (blocks.length === 0) return;
    const cwd = freshWorld(WORLDS[file] ?? 'lineage');
    for (const b of blocks) {
      for (const r of runBlock(b, cwd)) expect({ at: `${b.file}:${b.line}`, ok: r.ok, output: r.ok ? '' : r.output }).toEqual({ at: `${b.file}:${b.line}`, ok: true, output: '' });
    }
  });

  it('the ESM form of a snippet imports what it required', () => {
    expect(esmForm("const { a, b: c } = require('modelseal');\nx();")).toBe("import { a, b as c } from 'modelseal';\nx();");
  });
});
