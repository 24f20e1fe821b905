import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runConformance } from '../src/conformance/main';
import { REPO } from './helpers/cli';
import { describeWithVectors, vector } from './helpers/vectors';

/**
 * The sigstore-conformance `verify-bundle` cases, driven exactly as the upstream
 * harness does (test/client.py BundleMaterials.from_dir): every case in PATH and in
 * DIGEST mode; names ending in "fail" must exit non-zero, all others 0.
 */
const DEFAULT_IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

function caseArgs(dir: string, mode: 'PATH' | 'DIGEST'): string[] {
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8').trim();
  const artifact = has('artifact') ? path.join(dir, 'artifact') : vector('sigstore-conformance', 'bundle-verify', 'a.txt');
  const args = ['verify-bundle', '--bundle', path.join(dir, 'bundle.sigstore.json')];
  if (has('key.pub')) args.push('--key', path.join(dir, 'key.pub'));
  else args.push('--certificate-identity', has('identity') ? read('identity') : DEFAULT_IDENTITY, '--certificate-oidc-issuer', has('issuer') ? read('issuer') : DEFAULT_ISSUER);
  // Cases without their own root use production; the offline copy stands in for TUF.
  args.push('--trusted-root', has('trusted_root.json') ? path.join(dir, 'trusted_root.json') : vector('sigstore-conformance', 'public-good-production', 'trusted_root.json'));
  args.push(mode === 'PATH' ? artifact : `sha256:${createHash('sha256').update(fs.readFileSync(artifact)).digest('hex')}`);
  return args;
}

describeWithVectors('sigstore-conformance verify-bundle (offline)', () => {
  const root = vector('sigstore-conformance', 'bundle-verify');
  const cases = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((n) => fs.statSync(path.join(root, n)).isDirectory())
        .sort()
    : [];

  it('finds all 70 cases', () => {
    expect(cases).toHaveLength(70);
    expect(cases.filter((c) => c.endsWith('fail'))).toHaveLength(49);
  });

  const runs = cases.flatMap((c) => (['PATH', 'DIGEST'] as const).map((mode) => [mode, c] as const));
  it.each(runs)('%s %s', async (mode, name) => {
    const messages: string[] = [];
    const code = await runConformance(caseArgs(path.join(root, name), mode), (l) => messages.push(l));
    if (name.endsWith('fail')) {
      expect(code).not.toBe(0);
      expect(messages.join('\n')).toMatch(/\[[A-Z_]+\]$/);
    } else {
      expect({ code, messages }).toEqual({ code: 0, messages: [] });
    }
  });

  describe('bin/sigstore-conformance as a process', () => {
    const bin = path.join(REPO, 'bin', 'sigstore-conformance');
    const spawn = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

    it.each([
      ['PATH', 'happy-path-v0.3', 0],
      ['DIGEST', 'rekor2-dsse-happy-path', 0],
      ['PATH', 'managed-key-happy-path', 0],
      ['DIGEST', 'signature-mismatch_fail', 1],
      ['PATH', 'trust-root-tlog-missing-validity-start_fail', 2],
    ] as const)('%s %s exits %d', (mode, name, status) => {
      const r = spawn(caseArgs(path.join(root, name), mode));
      expect(r.status).toBe(status);
      if (status !== 0) expect(r.stderr).toMatch(/^sigstore-conformance: .+ \[[A-Z_]+\]\n$/);
    });

    it('refuses unknown commands and flags as usage errors', () => {
      expect(spawn(['frobnicate', 'x']).status).toBe(2);
      expect(spawn(['verify-bundle', '--bogus', 'x']).status).toBe(2);
    });

    it('uses the shipped public-good root when --trusted-root is absent', () => {
      const args = caseArgs(path.join(root, 'happy-path-v0.1'), 'PATH').filter((a, i, all) => a !== '--trusted-root' && all[i - 1] !== '--trusted-root');
      const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, MODELSEAL_TRUST_DIR: path.join(REPO, 'no-such-dir') } });
      expect(r.status).toBe(0);
    });
  });
});
