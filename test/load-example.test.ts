import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkSafetensorsHeader } from '../src/load/safetensors';
import { cli, REPO } from './helpers/cli';
import { tmpDir } from './helpers/tmp';
import { osSystemPickle } from './helpers/pickle-bytes';

const KEY = path.join(REPO, 'keys-example/publisher-ed25519.key');
const PUB = path.join(REPO, 'keys-example/publisher-ed25519.pub');
const run = (model: string) => spawnSync(process.execPath, [path.join(REPO, 'examples/load-safetensors.js'), model, PUB], { encoding: 'utf8', timeout: 60_000 });

describe('examples/load-safetensors.js', () => {
  function signedCopy(extra: Record<string, Buffer> = {}): string {
    const model = path.join(tmpDir(), 'tiny-llm');
    fs.cpSync(path.join(REPO, 'examples/artifacts/tiny-llm'), model, { recursive: true });
    for (const [n, b] of Object.entries(extra)) fs.writeFileSync(path.join(model, n), b);
    expect(cli(['sign', model, '--key', KEY]).status).toBe(0);
    return model;
  }

  it('loads the tensors of a signed safetensors model through verified reads', () => {
    const model = signedCopy();
    const r = run(model);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const bytes = fs.readFileSync(path.join(model, 'model.safetensors'));
    const expected = checkSafetensorsHeader(bytes, bytes.length).tensors;
    expect(r.stdout.split('\n').filter((l) => l.startsWith('model.safetensors '))).toHaveLength(expected);
    expect(r.stdout).toMatch(/^loaded sha256:[0-9a-f]{64}$/m);
  });

  it('refuses a signed model that carries a pickle, naming what it would run', () => {
    const r = run(signedCopy({ 'extra.pkl': osSystemPickle() }));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refusing to load: .*extra\.pkl: can run code when loaded: imports os\.system.*\[DANGEROUS_IMPORT\]/);
  });
});
