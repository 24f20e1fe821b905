import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cli, REPO } from './helpers/cli';
import { describeWithPeers, program } from './helpers/peers';
import { tmpDir, writeTree } from './helpers/tmp';

// The exec: external-signer protocol (docs/keys.md) against real adapter scripts that
// sign with openssl, and three that fail: garbage output, a hang, a non-zero exit.
const FIXTURES = path.join(REPO, 'test/fixtures/exec-signer');
const peers = [program('jq', ['--version'], 'apt-get install jq'), program('openssl', ['version'], 'apt-get install openssl')];

function opensslKey(dir: string, type: 'ecdsa-p256' | 'ecdsa-p384' | 'ed25519'): { key: string; pub: string } {
  const key = path.join(dir, `${type}.key`);
  const pub = path.join(dir, `${type}.pub`);
  const args = type === 'ed25519' ? ['genpkey', '-algorithm', 'ED25519', '-out', key] : ['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${type === 'ecdsa-p256' ? 'P-256' : 'P-384'}`, '-out', key];
  expect(spawnSync('openssl', args).status).toBe(0);
  expect(spawnSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]).status).toBe(0);
  return { key, pub };
}

function model(): string {
  return writeTree(tmpDir(), { 'config.json': '{"a":1}', 'weights/w.bin': Buffer.alloc(4096, 7) });
}

function expectCleanFailure(r: ReturnType<typeof cli>, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describeWithPeers(peers, 'exec: external signer', () => {
  const dir = tmpDir();
  const signer = (name: string) => `exec:${path.join(FIXTURES, name)}`;

  for (const type of ['ecdsa-p256', 'ecdsa-p384', 'ed25519'] as const) {
    for (const mode of type === 'ed25519' ? ['data'] : ['data', 'digest']) {
      it(`signs with ${type} through an openssl adapter (${mode}) and verifies with the PEM public key`, () => {
        const k = opensslKey(dir, type);
        const m = model();
        const r = cli(['sign', m, '--key', signer('openssl-signer.sh'), '--json'], { env: { SIGNER_KEY: k.key, SIGNER_MODE: mode } });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(r.json).toMatchObject({ ok: true, keyType: type, keySource: 'exec', signingMethod: 'key' });
        expect(cli(['verify', m, '--key', k.pub]).status).toBe(0);
        // verify can ask the signer for its public key too
        expect(cli(['verify', m, '--key', signer('openssl-signer.sh')], { env: { SIGNER_KEY: k.key } }).status).toBe(0);
        // and a different key must not verify: the check above can fail
        const other = opensslKey(tmpDir(), type);
        expect(cli(['verify', m, '--key', other.pub]).status).toBe(1);
      });
    }
  }

  it('signs COSE, release records and attestations through the same --key resolver', () => {
    const k = opensslKey(dir, 'ecdsa-p256');
    const env = { SIGNER_KEY: k.key };
    const m = model();
    expect(cli(['sign', m, '--key', signer('openssl-signer.sh'), '--format', 'cose'], { env }).status).toBe(0);
    expect(cli(['verify', m, '--key', k.pub, '--signature', path.join(m, 'model.cose')]).status).toBe(0);
    expect(cli(['sign', m, '--key', signer('openssl-signer.sh')], { env }).status).toBe(0); // release create needs model.sig
    const rel = path.join(tmpDir(), 'release.json');
    const r = cli(['release', 'create', m, '--channel', 'prod', '--version', '1', '--expires', '7d', '--key', signer('openssl-signer.sh'), '--out', rel, '--json'], { env });
    expect(r.status).toBe(0);
    expect(r.json.keyHints).toHaveLength(1);
    const a = cli(['attest', m, '--kind', 'finetune', '--base', `sha256:${'a'.repeat(64)}`, '--key', signer('openssl-signer.sh'), '--json'], { env });
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
  });

  it('refuses garbage output, and writes nothing', () => {
    const k = opensslKey(dir, 'ecdsa-p256');
    const m = model();
    const r = cli(['sign', m, '--key', signer('garbage-signer.sh')], { env: { SIGNER_KEY: k.key } });
    expectCleanFailure(r, /did not print one JSON object \[SIGNER_FAILED\]/);
    expect(fs.existsSync(path.join(m, 'model.sig'))).toBe(false);
  });

  it('abandons a signer that hangs, within the time limit, and kills what it started', () => {
    const k = opensslKey(dir, 'ecdsa-p256');
    const m = model();
    const pidFile = path.join(tmpDir(), 'sleep.pid');
    const start = Date.now();
    const r = cli(['sign', m, '--key', signer('slow-signer.sh'), '--signer-timeout', '2'], { env: { SIGNER_KEY: k.key, SLOW_SIGNER_PIDFILE: pidFile } });
    const elapsed = Date.now() - start;
    expectCleanFailure(r, /did not answer within 2 s \[SIGNER_FAILED\]/);
    expect(elapsed).toBeLessThan(15_000);
    // the adapter's own child (sleep 300) died with it: its process group was killed
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(1);
    // Gone, or a zombie waiting for init to reap it (a loaded machine reaps late): either way not running.
    const running = () => {
      try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && running(); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    expect(running()).toBe(false);
    expect(fs.existsSync(path.join(m, 'model.sig'))).toBe(false);
    // the limit also comes from the environment
    const e = cli(['sign', m, '--key', signer('slow-signer.sh')], { env: { SIGNER_KEY: k.key, MODELSEAL_EXEC_TIMEOUT: '1' } });
    expectCleanFailure(e, /within 1 s/);
  });

  it('reports a non-zero exit with one bounded line of its stderr', () => {
    const k = opensslKey(dir, 'ecdsa-p256');
    const m = model();
    const r = cli(['sign', m, '--key', signer('failing-signer.sh'), '--json'], { env: { SIGNER_KEY: k.key } });
    expect(r.status).toBe(2);
    expect(r.json.error.code).toBe('SIGNER_FAILED');
    expect(r.json.error.message).toMatch(/exited with status 254: "An error occurred \(AccessDeniedException\)/);
    expect(fs.existsSync(path.join(m, 'model.sig'))).toBe(false);
  });

  it('refuses a well-formed answer whose signature is by another key, before writing', () => {
    const k = opensslKey(dir, 'ecdsa-p256');
    const other = opensslKey(tmpDir(), 'ecdsa-p256');
    const script = path.join(tmpDir(), 'liar.sh');
    // public key of k, signatures by `other`
    fs.writeFileSync(script, `#!/usr/bin/env bash\nreq=$(cat)\nif grep -q public-key <<<"$req"; then SIGNER_KEY=${k.key} exec ${FIXTURES}/openssl-signer.sh <<<"$req"; fi\nSIGNER_KEY=${other.key} exec ${FIXTURES}/openssl-signer.sh <<<"$req"\n`, { mode: 0o755 });
    const m = model();
    const r = cli(['sign', m, '--key', `exec:${script}`]);
    expectCleanFailure(r, /does not verify with the key's public key \[SIGNER_FAILED\]/);
    expect(fs.existsSync(path.join(m, 'model.sig'))).toBe(false);
  });

  it('bounds what it reads and refuses extra fields, raw r||s and a missing command', () => {
    const m = model();
    const big = path.join(tmpDir(), 'big.sh');
    fs.writeFileSync(big, '#!/usr/bin/env bash\ncat >/dev/null\nhead -c 5000000 /dev/zero\n', { mode: 0o755 });
    expectCleanFailure(cli(['sign', m, '--key', `exec:${big}`]), /printed more than 1048576 bytes/);
    const extra = path.join(tmpDir(), 'extra.sh');
    fs.writeFileSync(extra, '#!/usr/bin/env bash\ncat >/dev/null\necho \'{"publicKey":"x","publicKey2":"y"}\'\n', { mode: 0o755 });
    expectCleanFailure(cli(['sign', m, '--key', `exec:${extra}`]), /without "publicKey" or with other fields/);
    expectCleanFailure(cli(['sign', m, '--key', 'exec:']), /exec: needs a command/);
    expectCleanFailure(cli(['sign', m, '--key', 'exec:/nonexistent/signer']), /exited with status 127/);
    expect(fs.existsSync(path.join(m, 'model.sig'))).toBe(false);
  });

  it('reports the exit status of a signer that stops reading a large request (not EPIPE)', () => {
    const k = opensslKey(dir, 'ecdsa-p256');
    // Enough files that the sign request is far beyond a pipe's buffer, so the write
    // fails with EPIPE every time once the signer has exited.
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`shard-${String(i).padStart(5, '0')}-of-many.bin`] = String(i);
    const m = writeTree(tmpDir(), files);
    const quits = path.join(tmpDir(), 'quits.sh');
    fs.writeFileSync(
      quits,
      '#!/usr/bin/env bash\nreq=$(head -c 48)\ncase "$req" in *public-key*) cat >/dev/null; jq -n --rawfile k "$SIGNER_PUB" \'{publicKey:$k}\' ;; *) exit 7 ;; esac\n',
      { mode: 0o755 },
    );
    expectCleanFailure(cli(['sign', m, '--key', `exec:${quits}`], { env: { SIGNER_PUB: k.pub } }), /exited with status 7 \[SIGNER_FAILED\]/);
    expect(fs.existsSync(path.join(m, 'model.sig'))).toBe(false);
  });

  it('takes no passphrase for an exec: key', () => {
    const r = cli(['sign', model(), '--key', 'exec:true', '--passphrase-env', 'HOME']);
    expectCleanFailure(r, /passphrase applies to PEM key files only/);
  });
});
