import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, REPO } from './helpers/cli';
import { describeWithPeers, nodePackage, venvPython } from './helpers/peers';
import { copyModel, runPythonFixture } from './helpers/runtime-models';
import { tmpDir } from './helpers/tmp';

const KEY = path.join(REPO, 'keys-example/publisher-ed25519.key');
const PUB = path.join(REPO, 'keys-example/publisher-ed25519.pub');
const run = (example: string, ...args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'examples', example), ...args], { cwd: tmpDir(), encoding: 'utf8', timeout: 120_000 });

function signedCopy(from: string): string {
  const dir = copyModel(from);
  expect(cli(['sign', dir, '--key', KEY]).status).toBe(0);
  return dir;
}

describe('docs/loading.md shows the runtime examples as they are run', () => {
  it.each(['load-onnxruntime.js', 'load-transformers.js'])('the copy-paste block for %s is the example file', (name) => {
    const doc = fs.readFileSync(path.join(REPO, 'docs/loading.md'), 'utf8');
    const at = doc.indexOf(`<!-- example: examples/${name} -->`);
    expect(at).toBeGreaterThan(0);
    const block = /```js\n([\s\S]*?)```/.exec(doc.slice(at))?.[1];
    expect(block).toBe(fs.readFileSync(path.join(REPO, 'examples', name), 'utf8'));
  });
});

describeWithPeers([venvPython('onnx', 'numpy'), nodePackage('onnxruntime-node')], 'examples/load-onnxruntime.js', () => {
  let gen: string;
  let expected: number[];
  beforeAll(() => {
    gen = tmpDir();
    expected = runPythonFixture<{ plain: { y: number[] } }>('make_tiny_onnx.py', gen).plain.y;
  });

  it('runs a signed model with external data and prints what numpy computes; refuses it once changed', () => {
    const dir = signedCopy(path.join(gen, 'plain'));
    let r = run('load-onnxruntime.js', dir, PUB, '[1, 2, 3, 4]');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    (JSON.parse(r.stdout) as number[]).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    fs.copyFileSync(path.join(gen, 'other', 'model.onnx_data'), path.join(dir, 'model.onnx_data'));
    r = run('load-onnxruntime.js', dir, PUB, '[1, 2, 3, 4]');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^refusing to load: .*"model\.onnx_data".*\[ARTIFACT_MISMATCH\]\n$/);
  });
});

describeWithPeers([venvPython('torch', 'transformers', 'onnx'), nodePackage('@huggingface/transformers')], 'examples/load-transformers.js', () => {
  let gen: string;
  beforeAll(() => {
    gen = tmpDir();
    runPythonFixture('make_tiny_bert.py', gen);
  }, 300_000);

  it('runs a signed BERT folder and prints what an unprotected transformers.js load prints; refuses an unsigned extra file', () => {
    const dir = signedCopy(path.join(gen, 'bert-external'));
    let r = run('load-transformers.js', dir, PUB, 'hello world');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const reference = spawnSync(process.execPath, ['-e', `
      const { pipeline, env } = require('@huggingface/transformers');
      env.useFSCache = false;
      pipeline('feature-extraction', ${JSON.stringify(path.join(gen, 'bert-external'))}, { dtype: 'fp32', local_files_only: true })
        .then((p) => p('hello world')).then((f) => console.log(JSON.stringify({ dims: f.dims, data: Array.from(f.data) })));`], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
    expect(reference.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(reference.stdout));
    expect(JSON.parse(r.stdout).dims).toEqual([1, 4, 16]);
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json.bak'), '{}');
    r = run('load-transformers.js', dir, PUB, 'hello world');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^refusing to load: .*tokenizer_config\.json\.bak.*\[ARTIFACT_MISMATCH\]\n$/);
  });
});
