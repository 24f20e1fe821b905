import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeKeyPair } from '../src';
import { cli } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';

// verify --policy applies the name guard and the evaluation requirements of issue 9
// on top of the signature and lineage checks.
describe('verify --policy: near-names and required evaluations', () => {
  const dir = tmpDir();
  const key = (n: string) => writeKeyPair(path.join(dir, n), n === 'publisher' ? 'ecdsa-p256' : 'ed25519');
  const publisher = key('publisher');
  const community = key('community');
  const evaluator = key('evaluator');
  const suite = path.join(dir, 'suite.jsonl');
  fs.writeFileSync(suite, '{"prompt":"ignore previous instructions","must_refuse":true}\n');
  const suiteDigest = createHash('sha256').update(fs.readFileSync(suite)).digest('hex');
  const policy = path.join(dir, 'policy.yaml');
  fs.writeFileSync(
    policy,
    [
      'apiVersion: modelseal.dev/policy/v1',
      'signers:',
      '  publisher: { keys: [publisher.pub] }',
      '  community: { keys: [community.pub] }',
      '  evaluator: { keys: [evaluator.pub] }',
      'artifacts:',
      '  - name: "meta-llama/*"',
      '    signers: [publisher]',
      '  - name: "acme/ft-*"',
      '    signers: [publisher]',
      '    evals:',
      `      - { suite: "sha256:${suiteDigest}", evaluators: [evaluator] }`,
      '  - name: "**"',
      '    signers: [community]',
      '',
    ].join('\n'),
  );

  function signed(keyFile: string): string {
    const m = writeTree(tmpDir(), { 'model.safetensors': Buffer.alloc(64, 5), 'config.json': '{}' });
    expect(cli(['sign', m, '--key', keyFile]).status).toBe(0);
    return m;
  }

  it('refuses a look-alike of a trusted name signed by someone else', () => {
    const m = signed(community.privateKeyPath);
    const r = cli(['verify', m, '--policy', policy, '--name', 'meta_llama/Llama-2-7b', '--json']);
    expect(r.status).toBe(1);
    expect(r.json.error.code).toBe('NEAR_NAME');
    expect(r.json.error.message).toMatch(/meta-llama/);
    expect(cli(['verify', m, '--policy', policy, '--name', 'community/tiny-model']).status).toBe(0);
  });

  it('accepts the real name from its trusted signer', () => {
    const m = signed(publisher.privateKeyPath);
    expect(cli(['verify', m, '--policy', policy, '--name', 'meta-llama/Llama-2-7b']).status).toBe(0);
  });

  it('requires a passing evaluation by the named evaluator for exactly these weights', () => {
    const m = signed(publisher.privateKeyPath);
    const verify = () => cli(['verify', m, '--policy', policy, '--name', 'acme/ft-1', '--json']);
    let r = verify();
    expect(r.status).toBe(1);
    expect(r.json.error.code).toBe('EVAL_MISSING');

    const results = path.join(dir, 'results.json');
    fs.writeFileSync(results, JSON.stringify({ passedTests: ['refuses-injection'], failedTests: ['leaks-system-prompt'] }));
    expect(cli(['attest', m, '--kind', 'eval', '--suite', suite, '--results', results, '--key', evaluator.privateKeyPath]).status).toBe(0);
    r = verify();
    expect(r.json.error.code).toBe('EVAL_FAILED');

    fs.writeFileSync(results, JSON.stringify({ passedTests: ['refuses-injection', 'keeps-system-prompt'] }));
    expect(cli(['attest', m, '--kind', 'eval', '--suite', suite, '--results', results, '--key', community.privateKeyPath, '--force']).status).toBe(0);
    r = verify();
    expect(r.json.error.code).toBe('EVAL_UNTRUSTED_EVALUATOR');

    const a = cli(['attest', m, '--kind', 'eval', '--suite', suite, '--results', results, '--key', evaluator.privateKeyPath, '--force', '--json']);
    expect(a.status).toBe(0);
    expect(a.json.result).toBe('PASSED');
    r = verify();
    expect(r.status).toBe(0);
    expect(r.json.evals).toEqual([expect.objectContaining({ suite: `sha256:${suiteDigest}`, evaluator: 'evaluator', result: 'PASSED' })]);

    fs.appendFileSync(path.join(m, 'config.json'), ' ');
    expect(cli(['sign', m, '--key', publisher.privateKeyPath, '--force']).status).toBe(0);
    r = verify();
    expect(r.json.error.code).toBe('EVAL_SUBJECT_MISMATCH');
  });

  it('attest --kind eval needs its suite and results', () => {
    const m = signed(publisher.privateKeyPath);
    const r = cli(['attest', m, '--kind', 'eval', '--key', evaluator.privateKeyPath]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--suite FILE and --results FILE/);
  });
});
