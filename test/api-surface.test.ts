import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { REPO } from './helpers/cli';

/**
 * The library's public surface is exactly what package.json `exports` lists (issue 22):
 * a small top level, documented subpaths, and nothing else importable; the CLI uses only
 * that surface. Run against the built dist/ (`npm test` builds first).
 */

const TOP_LEVEL = [
  'ModelsealError', 'ERROR_CODES',
  'signArtifact', 'attestArtifact', 'digestArtifact',
  'verifyArtifact', 'createVerifier',
  'readVerified', 'openVerified', 'scanPath',
  'Gate', 'verifyLocked',
  'generateKeyPair', 'writeKeyPair', 'loadPrivateKey', 'loadPublicKey',
].sort();

const API_AREAS = ['errors', 'digest', 'sign', 'verify', 'keys', 'formats', 'names', 'policy', 'lineage', 'lock', 'load', 'gate', 'release', 'eval', 'bom', 'oci'];
const SUBPATHS = ['.', ...API_AREAS.map((a) => `./${a}`), './onnxruntime', './transformers', './package.json'].sort();

const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));

/** Runs a CommonJS script in the checkout, where `require('modelseal/...')` is the package's self-reference (its `exports`). */
function node(script: string): any {
  const r = spawnSync(process.execPath, ['-e', script], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  return JSON.parse(r.stdout);
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** The value names a declaration file exports (`export declare const X`, `export { X }`, functions, classes), not types. */
function declaredValues(dts: string): string[] {
  const file = ts.createSourceFile('x.d.ts', dts, ts.ScriptTarget.ES2022, true);
  const names: string[] = [];
  for (const s of file.statements) {
    const exported = ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (ts.isVariableStatement(s) && exported) for (const d of s.declarationList.declarations) names.push((d.name as ts.Identifier).text);
    else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && exported && s.name) names.push(s.name.text);
    else if (ts.isExportDeclaration(s) && !s.isTypeOnly && s.exportClause && ts.isNamedExports(s.exportClause)) {
      for (const e of s.exportClause.elements) if (!e.isTypeOnly) names.push(e.name.text);
    }
  }
  return [...new Set(names)].sort();
}

describe('the public surface', () => {
  it('package.json exports lists exactly the documented entry points', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual(SUBPATHS);
    for (const a of API_AREAS) expect(pkg.exports[`./${a}`]).toEqual({ types: `./dist/api/${a}.d.ts`, default: `./dist/api/${a}.js` });
    expect(pkg.main).toBe('dist/index.js');
  });

  it('the top level is a few names, each with a doc comment, and requiring it loads almost nothing', () => {
    const r = node(`const before = Object.keys(require.cache).length; const m = require('modelseal');
      console.log(JSON.stringify({ names: Object.keys(m), loaded: Object.keys(require.cache).length - before }))`);
    expect([...r.names].sort()).toEqual(TOP_LEVEL);
    expect(r.names.length).toBeLessThanOrEqual(20);
    // index, util/lazy, errors and the names module errors use: no feature module until a name is used.
    expect(r.loaded).toBeLessThanOrEqual(8);
    const dts = fs.readFileSync(path.join(REPO, 'dist/index.d.ts'), 'utf8');
    expect(declaredValues(dts)).toEqual(TOP_LEVEL);
    const src = ts.createSourceFile('index.ts', fs.readFileSync(path.join(REPO, 'src/index.ts'), 'utf8'), ts.ScriptTarget.ES2022, true);
    for (const name of TOP_LEVEL) {
      const decl = src.statements.find((s) => (ts.isVariableStatement(s) && s.declarationList.declarations.some((d) => (d.name as ts.Identifier).text === name)) || (ts.isExportDeclaration(s) && !s.isTypeOnly && !!s.exportClause && ts.isNamedExports(s.exportClause) && s.exportClause.elements.some((e) => e.name.text === name)));
      const docs = decl ? ts.getLeadingCommentRanges(src.text, decl.getFullStart()) ?? [] : [];
      expect({ name, documented: docs.some((c) => src.text.slice(c.pos, c.end).startsWith('/**')) }).toEqual({ name, documented: true });
    }
  });

  it.each(API_AREAS)('modelseal/%s defines at run time exactly the names its declarations promise, each defined', (area) => {
    const dts = fs.readFileSync(path.join(REPO, `dist/api/${area}.d.ts`), 'utf8');
    const r = node(`const m = require('modelseal/${area}'); console.log(JSON.stringify({ names: Object.keys(m), undef: Object.keys(m).filter((k) => m[k] === undefined) }))`);
    expect([...r.names].sort()).toEqual(declaredValues(dts));
    expect(r.undef).toEqual([]);
  });

  it('ES modules get the same named exports (the lazy getters are visible to Node\'s CommonJS analysis)', () => {
    const script = `const top = await import('modelseal'); const sub = await import('modelseal/lineage');
      console.log(JSON.stringify({ top: Object.keys(top).filter((k) => k !== 'default' && k !== '__esModule'), sub: Object.keys(sub).filter((k) => k !== 'default' && k !== '__esModule'), fn: typeof top.verifyArtifact }))`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.top.sort()).toEqual(TOP_LEVEL);
    expect(out.sub.sort()).toEqual(['evaluateLineage', 'renderLineageTree', 'verifyLineage']);
    expect(out.fn).toBe('function');
  });

  it('no other module of the package can be imported through it', () => {
    const targets = new Set(Object.values(pkg.exports).map((t: any) => path.join(REPO, typeof t === 'string' ? t : t.default)));
    const files = walk(path.join(REPO, 'dist')).filter((f) => f.endsWith('.js'));
    expect(files.length).toBeGreaterThan(100);
    const specs = files.flatMap((f) => {
      const rel = path.relative(REPO, f).split(path.sep).join('/');
      const noExt = rel.replace(/\.js$/, '');
      return [rel, noExt, noExt.replace(/^dist\//, ''), ...(targets.has(f) ? [] : [rel.replace(/^dist\//, '')])];
    });
    const r = node(`const out = {}; for (const s of ${JSON.stringify([...new Set(specs)])}) {
        try { out[s] = require.resolve('modelseal/' + s); } catch (e) { out[s] = e.code; } }
      console.log(JSON.stringify(out))`);
    // A spec may only be refused, or be one of the export names themselves (`modelseal/errors`).
    const leaks = Object.entries(r).filter(([, v]) => v !== 'ERR_PACKAGE_PATH_NOT_EXPORTED' && !targets.has(v as string));
    expect(leaks).toEqual([]);
    expect(r['dist/index.js']).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    expect(r['dist/verify/verify-artifact']).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    for (const sub of SUBPATHS.filter((s) => s !== '.' && s !== './package.json')) {
      expect(node(`console.log(JSON.stringify(require.resolve('modelseal/${sub.slice(2)}')))`)).toBe(path.join(REPO, pkg.exports[sub].default));
    }
  });
});

/** The module specifiers a TypeScript file imports, requires or re-exports. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

describe('the CLI uses the public surface', () => {
  const cliDir = path.join(REPO, 'src/cli');
  const commands = walk(path.join(REPO, 'src/commands')).filter((f) => f.endsWith('.ts'));
  const cliFiles = walk(cliDir).filter((f) => f.endsWith('.ts'));

  /** What a CLI file may import: Node, packages, the CLI's own files, the top level and the api subpaths. */
  function allowed(file: string, spec: string): boolean {
    if (!spec.startsWith('.')) return true;
    const target = path.relative(path.join(REPO, 'src'), path.resolve(path.dirname(file), spec)).split(path.sep).join('/');
    return target === 'index' || target.startsWith('cli/') || API_AREAS.some((a) => target === `api/${a}`) || target.startsWith('commands/');
  }

  it('src/commands/** and src/cli/** import only modelseal, modelseal/<subpath> and the CLI itself', () => {
    expect(commands.length).toBeGreaterThan(15);
    const bad = [...commands, ...cliFiles]
      .filter((f) => f !== path.join(cliDir, 'internal.ts'))
      .flatMap((f) => importsOf(f).filter((s) => !allowed(f, s)).map((s) => `${path.relative(REPO, f)}: ${s}`));
    expect(bad).toEqual([]);
  });

  it('src/cli/internal.ts, the one way to internals, holds flag mapping and output writing only', () => {
    expect(importsOf(path.join(cliDir, 'internal.ts')).sort()).toEqual(['../digest-artifact', '../digest/manifest', '../sign/client-trust-config', '../sign/sign-warnings', '../sign/signature-path', '../statement/partial-manifest', '../util/atomic-write', '../verify/signers-from-flags']);
  });

  it('the check sees a forbidden import (it can fail)', () => {
    expect(allowed(path.join(REPO, 'src/commands/verify.ts'), '../verify/verify-artifact')).toBe(false);
    expect(allowed(path.join(REPO, 'src/commands/lock/add.ts'), '../../lock/lock-artifact')).toBe(false);
    expect(allowed(path.join(REPO, 'src/commands/lock/add.ts'), '../../api/lock')).toBe(true);
    expect(allowed(path.join(REPO, 'src/commands/verify.ts'), '../api/lock-artifact')).toBe(false);
  });
});
