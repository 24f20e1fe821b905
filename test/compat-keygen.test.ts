import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, REPO } from './helpers/cli';
import { DEBIAN_PYTHON, debianPython, describeWithPeers } from './helpers/peers';
import { tmpDir, writeTree } from './helpers/tmp';

// model_signing 1.1 verifies only EC keys: the default key type must be one it verifies,
// and signing with Ed25519 says so once.

describe('keygen default and the Ed25519 warning', () => {
  it('keygen without --type writes an ECDSA P-256 key pair', () => {
    const prefix = path.join(tmpDir(), 'k');
    const r = cli(['keygen', '--out', prefix, '--json']);
    expect(r.status).toBe(0);
    expect(r.json.type).toBe('ecdsa-p256');
    const pem = fs.readFileSync(`${prefix}.pub`, 'utf8');
    const { createPublicKey } = require('node:crypto');
    const key = createPublicKey(pem);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails.namedCurve).toBe('prime256v1');
  });

  const model = () => writeTree(tmpDir(), { 'w.bin': Buffer.alloc(100, 1) });

  it('signing with an Ed25519 key prints one warning line; nothing for ECDSA', () => {
    const dir = tmpDir();
    cli(['keygen', '--type', 'ed25519', '--out', path.join(dir, 'ed')]);
    cli(['keygen', '--out', path.join(dir, 'ec')]);
    const ed = cli(['sign', model(), '--key', path.join(dir, 'ed.key')]);
    expect(ed.status).toBe(0);
    const lines = ed.stderr.split('\n').filter((l) => l.includes('warning'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/model_signing 1\.1 cannot verify.*\[ED25519_NOT_VERIFIABLE_BY_MODEL_SIGNING\]/);
    const ec = cli(['sign', model(), '--key', path.join(dir, 'ec.key')]);
    expect(ec.status).toBe(0);
    expect(ec.stderr).not.toMatch(/warning/);
  });

  it('the warning is silent under --quiet and a JSON warning under --json', () => {
    const dir = tmpDir();
    cli(['keygen', '--type', 'ed25519', '--out', path.join(dir, 'ed')]);
    const quiet = cli(['sign', model(), '--key', path.join(dir, 'ed.key'), '--quiet']);
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toBe('');
    const json = cli(['sign', model(), '--key', path.join(dir, 'ed.key'), '--json']);
    expect(json.status).toBe(0);
    expect(json.stderr).toBe('');
    expect(json.json.warnings).toEqual([expect.objectContaining({ code: 'ED25519_NOT_VERIFIABLE_BY_MODEL_SIGNING' })]);
    cli(['keygen', '--out', path.join(dir, 'ec')]);
    expect(cli(['sign', model(), '--key', path.join(dir, 'ec.key'), '--json']).json.warnings).toBeUndefined();
  });
});

describeWithPeers(debianPython('cryptography'), 'the default key type verifies with an independent model_signing-style verifier', () => {
  it('keygen (default) + sign, then the Python EC verifier accepts it and refuses tampering', () => {
    const dir = tmpDir();
    const m = writeTree(tmpDir(), { 'config.json': '{}', 'sub/w.bin': Buffer.alloc(3000, 9) });
    expect(cli(['keygen', '--out', path.join(dir, 'k')]).status).toBe(0);
    expect(cli(['sign', m, '--key', path.join(dir, 'k.key')]).status).toBe(0);
    const verifier = path.join(REPO, 'test/interop/oms_verify_key.py');
    let r = spawnSync(DEBIAN_PYTHON, [verifier, m, path.join(m, 'model.sig'), path.join(dir, 'k.pub')], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('OK');
    fs.appendFileSync(path.join(m, 'config.json'), ' ');
    r = spawnSync(DEBIAN_PYTHON, [verifier, m, path.join(m, 'model.sig'), path.join(dir, 'k.pub')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
  });
});
