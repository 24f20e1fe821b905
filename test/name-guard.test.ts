import { checkName, nearNameRefusal } from '../src/guard';
import { parsePolicy } from '../src/policy';
import { damerauLevenshtein } from '../src/guard/distance';
import { writeKeyPair } from '../src/keys/write';
import * as path from 'node:path';
import { LEGITIMATE, LOOKALIKES, PINNED, TRUSTED_PATTERNS } from './fixtures/name-guard-cases';
import { cli } from './helpers/cli';
import { tmpDir } from './helpers/tmp';

const options = { pinned: PINNED, trustedPatterns: TRUSTED_PATTERNS };

describe('name guard: look-alikes and legitimate names', () => {
  it('has at least 30 look-alike pairs and 30 legitimate names', () => {
    expect(LOOKALIKES.length).toBeGreaterThanOrEqual(30);
    expect(LEGITIMATE.length).toBeGreaterThanOrEqual(30);
  });

  it.each(LOOKALIKES)('flags %s as a near-name of %s', (lookalike, target) => {
    const r = checkName(lookalike, options);
    expect(r.flagged).toBe(true);
    expect(r.matches.map((m) => m.target)).toContain(target);
  });

  it.each(LEGITIMATE)('does not flag the distinct name %s', (name) => {
    const r = checkName(name, options);
    expect(r.matches).toEqual([]);
    expect(r.flagged).toBe(false);
  });

  it('reports the false-positive and miss rates', () => {
    const fp = LEGITIMATE.filter((n) => checkName(n, options).flagged).length;
    const missed = LOOKALIKES.filter(([n]) => !checkName(n, options).flagged).length;
    // eslint-disable-next-line no-console
    console.log(`name guard: ${LOOKALIKES.length - missed}/${LOOKALIKES.length} look-alikes flagged; false positives ${fp}/${LEGITIMATE.length} (${((100 * fp) / LEGITIMATE.length).toFixed(1)}%)`);
    expect(fp).toBe(0);
    expect(missed).toBe(0);
  });

  it('never flags a pinned name, and names the reason for each kind of look-alike', () => {
    for (const p of PINNED) expect(checkName(p, options)).toMatchObject({ pinned: true, flagged: false });
    const reasons = (n: string) => checkName(n, { pinned: ['meta-llama/Llama-2-7b'] }).matches[0]?.reasons;
    expect(reasons('meta-llama/llama_2_7b')).toEqual(['case-separator']);
    expect(reasons('meta-llama/Llаma-2-7b')).toEqual(['confusable']); // Cyrillic а
    expect(reasons('meta-llama/Llama-2-7β'.replace('β', 'b').replace('Llama', 'L1ama'))).toEqual(['digit-letter']);
    expect(reasons('meta-llama/Llama-2-7bb')).toEqual(['edit-distance']);
    expect(reasons('meta_llama/Llama-2-7b')).toEqual(['case-separator', 'namespace']);
    expect(reasons('someone/Llama-2-7b')).toEqual(['namespace']);
  });

  it('a name under a trusted pattern is not flagged against that pattern', () => {
    expect(checkName('meta-llama/Llama-3-8B', { trustedPatterns: ['meta-llama/*'] }).flagged).toBe(false);
    expect(checkName('meta-llama/Llama-3-8B', { trustedPatterns: ['**'] }).flagged).toBe(false);
    expect(checkName('meta-llamа/Llama-3-8B', { trustedPatterns: ['meta-llama/*'] }).flagged).toBe(true);
  });
});

describe('damerauLevenshtein', () => {
  it.each([
    ['llama', 'llama', 0],
    ['llama', 'lama', 1],
    ['mistral', 'mistarl', 1], // transposition counts once
    ['bert', 'bret', 1],
    ['falcon', 'falcom', 1],
    ['gpt2', 'gpt2xl', 2],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ] as const)('%s / %s = %d', (a, b, d) => {
    expect(damerauLevenshtein(a, b)).toBe(d);
    expect(damerauLevenshtein(b, a)).toBe(d);
  });
});

describe('nearNameRefusal (for verify --policy)', () => {
  const dir = tmpDir();
  writeKeyPair(path.join(dir, 'meta'), 'ed25519');
  writeKeyPair(path.join(dir, 'someone'), 'ed25519');
  const policy = parsePolicy(
    ['apiVersion: modelseal.dev/policy/v1', 'signers:', '  meta: { keys: [meta.pub] }', '  someone: { keys: [someone.pub] }', 'artifacts:', '  - name: "meta-llama/*"', '    signers: [meta]', '  - name: "community/**"', '    signers: [someone]'].join('\n'),
    path.join(dir, 'policy.yaml'),
  );

  it('refuses a near-name of a trusted name signed by another signer', () => {
    const err = nearNameRefusal('meta_llama/Llama-2-7b', 'someone', policy);
    expect(err?.code).toBe('NEAR_NAME');
    expect(err?.exitCode).toBe(1);
    expect(err?.message).toContain('meta-llama/*');
    expect(nearNameRefusal('meta-llama-/Llama-2-7b', undefined, policy)?.code).toBe('NEAR_NAME');
  });

  it('accepts the trusted name itself, a near-name signed by the trusted signer, and unrelated names', () => {
    expect(nearNameRefusal('meta-llama/Llama-2-7b', 'meta', policy)).toBeUndefined();
    expect(nearNameRefusal('meta_llama/Llama-2-7b', 'meta', policy)).toBeUndefined();
    expect(nearNameRefusal('community/tiny-model', 'someone', policy)).toBeUndefined();
  });

  it('refuses a near-name of a pinned name verified by a key that is not pinned for it', () => {
    const pinned = new Map([['my-org/instruct-v3', ['a'.repeat(64)]]]);
    expect(nearNameRefusal('my_org/instruct-v3', undefined, policy, { pinned, keyHint: 'b'.repeat(64) })?.code).toBe('NEAR_NAME');
    expect(nearNameRefusal('my_org/instruct-v3', undefined, policy, { pinned, keyHint: 'a'.repeat(64) })).toBeUndefined();
  });
});

describe('modelseal lock check-name (CLI)', () => {
  it('exits 1 with the near matches for a look-alike, 0 for a clean name', () => {
    const dir = tmpDir();
    const lock = { lockfileVersion: 1, artifacts: {} };
    require('node:fs').writeFileSync(path.join(dir, 'modelseal.lock'), JSON.stringify(lock));
    const policy = ['apiVersion: modelseal.dev/policy/v1', 'signers:', '  meta: { keys: [meta.pub] }', 'artifacts:', '  - name: "meta-llama/*"', '    signers: [meta]'].join('\n');
    writeKeyPair(path.join(dir, 'meta'), 'ed25519');
    require('node:fs').writeFileSync(path.join(dir, 'policy.yaml'), policy);
    const bad = cli(['lock', 'check-name', 'meta_llama/Llama-2-7b', '--policy', 'policy.yaml', '--json'], { cwd: dir });
    expect(bad.status).toBe(1);
    expect(bad.json.flagged).toBe(true);
    expect(bad.json.matches[0]).toMatchObject({ target: 'meta-llama/*', source: 'policy', reasons: ['case-separator', 'namespace'] });
    const human = cli(['lock', 'check-name', 'meta_llama/Llama-2-7b', '--policy', 'policy.yaml'], { cwd: dir });
    expect(human.status).toBe(1);
    expect(human.stderr).toContain('meta-llama/*');
    const good = cli(['lock', 'check-name', 'meta-llama/Llama-2-7b', '--policy', 'policy.yaml'], { cwd: dir });
    expect(good.status).toBe(0);
  });
});
