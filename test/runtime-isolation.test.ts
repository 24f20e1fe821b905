import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './helpers/cli';
import { describeWithPeers, nodePackage } from './helpers/peers';
import { tmpDir } from './helpers/tmp';

const RUNTIME_MODULES = /[\\/]node_modules[\\/](onnxruntime-[^\\/]+|@huggingface|sharp|@img)[\\/]/;

function node(script: string, cwd: string) {
  const r = spawnSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

describe('the runtimes are optional peers', () => {
  it("require('modelseal') and its runtime subpaths load neither runtime until a helper is called", () => {
    const r = node(
      `require('modelseal'); require('modelseal/onnxruntime'); require('modelseal/transformers');
       const loaded = Object.keys(require.cache).filter((k) => ${RUNTIME_MODULES}.test(k));
       console.log(JSON.stringify(loaded));`,
      REPO,
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it('installed without them, modelseal works and the helpers refuse with RUNTIME_UNAVAILABLE', () => {
    // An install of the package with its dependencies only: no optional peer anywhere on the path.
    const project = tmpDir();
    const pkg = path.join(project, 'node_modules', 'modelseal');
    fs.mkdirSync(pkg, { recursive: true });
    fs.copyFileSync(path.join(REPO, 'package.json'), path.join(pkg, 'package.json'));
    fs.cpSync(path.join(REPO, 'dist'), path.join(pkg, 'dist'), { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    for (const dep of Object.keys(manifest.dependencies)) {
      const link = path.join(project, 'node_modules', dep);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.join(REPO, 'node_modules', dep), link);
    }
    const r = node(
      `const ms = require('modelseal');
       const out = { digest: typeof ms.verifyArtifact };
       Promise.all([
         require('modelseal/onnxruntime').createVerifiedSession('.', { keys: [] }).catch((e) => (out.onnx = e.code + ' ' + e.message)),
         require('modelseal/transformers').verifiedPipeline('feature-extraction', '.', { keys: [] }).catch((e) => (out.transformers = e.code + ' ' + e.message)),
       ]).then(() => console.log(JSON.stringify(out)));`,
      project,
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      digest: 'function',
      onnx: 'RUNTIME_UNAVAILABLE onnxruntime-node is not installed; add it to your project (npm install onnxruntime-node)',
      transformers: 'RUNTIME_UNAVAILABLE @huggingface/transformers is not installed; add it to your project (npm install @huggingface/transformers)',
    });
  });

  it('declares both runtimes as optional peer dependencies, never as dependencies', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    for (const name of ['onnxruntime-node', '@huggingface/transformers']) {
      expect(manifest.dependencies[name]).toBeUndefined();
      expect(manifest.peerDependencies[name]).toBeDefined();
      expect(manifest.peerDependenciesMeta[name]).toEqual({ optional: true });
    }
    expect(fs.readFileSync(path.join(REPO, '.npmrc'), 'utf8')).toMatch(/^onnxruntime-node-install=skip$/m);
  });
});

describeWithPeers(nodePackage('onnxruntime-node'), 'installing onnxruntime-node on a closed network', () => {
  it("npm hands the project's .npmrc setting to onnxruntime-node's install script, which then keeps the bundled CPU build without downloading", () => {
    const npm = (command: string) => spawnSync('npm', ['exec', '--offline', '-c', command], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
    const seen = npm('node -p process.env.npm_config_onnxruntime_node_install');
    expect(seen.stdout.trim()).toBe('skip');
    // Only with the skip seen: the script would otherwise try to download from outside the registry.
    const script = require.resolve('onnxruntime-node/script/install', { paths: [REPO] });
    const install = npm(`node ${JSON.stringify(script)}`);
    expect(install.status).toBe(0);
    const ort = node("const o = require('onnxruntime-node'); console.log(o.listSupportedBackends().map((b) => b.name).join(','))", REPO);
    expect(ort.stdout).toMatch(/cpu/);
  });
});
