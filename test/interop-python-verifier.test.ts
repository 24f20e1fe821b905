import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPrivateKey, signArtifact, writeKeyPair } from '../src';
import { REPO } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';
import { DEBIAN_PYTHON, debianPython, describeWithPeers } from './helpers/peers';

// An independent Python verifier (Debian's python3-cryptography, installed by .ci/run)
// checks modelseal's key-method signatures the way model_signing's `verify key` does.
const PY = DEBIAN_PYTHON;
const verifier = path.join(REPO, 'test/interop/oms_verify_key.py');

function pyVerify(model: string, sig: string, pub: string) {
  return spawnSync(PY, [verifier, model, sig, pub], { encoding: 'utf8' });
}

describeWithPeers(debianPython('cryptography'), 'an independent Python verifier accepts our signatures', () => {
  for (const type of ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521'] as const) {
    it(type, async () => {
      const model = writeTree(tmpDir(), { 'config.json': '{}', 'w/a b.safetensors': Buffer.alloc(5000, 3), 'ü.txt': 'x' });
      const pair = writeKeyPair(path.join(tmpDir(), 'k'), type);
      const { signature } = await signArtifact(model, { key: loadPrivateKey(pair.privateKeyPath) });
      let r = pyVerify(model, signature, pair.publicKeyPath);
      expect(r.stdout.trim()).toBe('OK');
      expect(r.status).toBe(0);
      fs.appendFileSync(path.join(model, 'config.json'), ' ');
      r = pyVerify(model, signature, pair.publicKeyPath);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/files differ/);
    });
  }
});
