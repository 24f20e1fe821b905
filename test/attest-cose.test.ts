import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCoseSign1 } from '../src/envelope/cose';
import { verifySignatureFile } from '../src/verify/signature-file';
import { cli, REPO } from './helpers/cli';
import { DEBIAN_PYTHON, debianPython, describeWithPeers } from './helpers/peers';
import { tmpDir, writeTree } from './helpers/tmp';

// `attest --format cose`: the same SLSA provenance statement, as a COSE_Sign1 signed statement.

function setup() {
  const dir = tmpDir();
  const base = writeTree(path.join(dir, 'base-7b'), { 'w.bin': 'base weights' });
  const model = writeTree(path.join(dir, 'ft-7b'), { 'w.bin': 'fine-tuned weights', 'config.json': '{}' });
  expect(cli(['keygen', '--out', path.join(dir, 'k')]).status).toBe(0);
  return { dir, base, model, key: path.join(dir, 'k.key'), pub: path.join(dir, 'k.pub') };
}

describe('attest --format cose', () => {
  it('writes <dir>/provenance.cose over the same statement a bundle would carry; the artifact digest does not change', () => {
    const s = setup();
    const before = cli(['digest', s.model, '--json']).json.digest;
    const r = cli(['attest', s.model, '--kind', 'finetune', '--base', s.base, '--key', s.key, '--format', 'cose', '--issuer', 'https://models.example.com', '--json']);
    expect(r.status).toBe(0);
    expect(r.json.provenance).toBe(path.join(s.model, 'provenance.cose'));
    expect(r.json.format).toBe('cose');
    const cose = fs.readFileSync(path.join(s.model, 'provenance.cose'));
    const msg = parseCoseSign1(cose);
    const statement = JSON.parse(Buffer.from(msg.payload).toString('utf8'));
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(statement.subject[0].digest.sha256).toBe(before.replace(/^sha256:/, ''));
    expect(cli(['digest', s.model, '--json']).json.digest).toBe(before);

    const v = verifySignatureFile(path.join(s.model, 'provenance.cose'), [{ kind: 'key', key: s.pub }]);
    expect(v.format).toBe('cose');
    expect(JSON.parse(Buffer.from(v.payload).toString('utf8'))).toEqual(statement);
    // And the bundle form of the same attestation carries the same statement shape.
    const b = cli(['attest', s.model, '--kind', 'finetune', '--base', s.base, '--key', s.key, '--json']);
    expect(b.json.provenance).toBe(path.join(s.model, 'provenance.sig'));
    expect(cli(['digest', s.model, '--json']).json.digest).toBe(before);
  });

  it('a tampered COSE attestation is refused; claims without --format cose are a usage error', () => {
    const s = setup();
    expect(cli(['attest', s.model, '--kind', 'finetune', '--base', s.base, '--key', s.key, '--format', 'cose']).status).toBe(0);
    const f = path.join(s.model, 'provenance.cose');
    const bytes = fs.readFileSync(f);
    bytes[bytes.length - 1] ^= 1;
    fs.writeFileSync(f, bytes);
    expect(() => verifySignatureFile(f, [{ kind: 'key', key: s.pub }])).toThrow();
    expect(cli(['attest', s.model, '--kind', 'finetune', '--base', s.base, '--key', s.key, '--issuer', 'x']).status).toBe(2);
  });
});

describeWithPeers(debianPython('cbor2', 'cryptography'), 'the COSE attestation verifies with the independent Python COSE peer', () => {
  it('alg, kid = key hint, subject claim = the artifact name', () => {
    const s = setup();
    expect(cli(['attest', s.model, '--kind', 'finetune', '--base', s.base, '--key', s.key, '--format', 'cose']).status).toBe(0);
    const r = spawnSync(DEBIAN_PYTHON, [path.join(REPO, 'test/interop/cose_peer.py'), 'verify', path.join(s.model, 'provenance.cose'), s.pub], { encoding: 'utf8' });
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.alg).toBe(-7);
    expect(report.sub).toBe('ft-7b');
    expect(report.kid_is_key_hint).toBe(true);
  });
});
