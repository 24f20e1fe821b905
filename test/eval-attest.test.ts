import Ajv2020 from 'ajv/dist/2020';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { attestEval, checkEvalRequirements } from '../src/eval';
import { loadPrivateKey, signArtifact, verifyArtifact, digestArtifact } from '../src';
import { parsePolicy } from '../src/policy';
import { TEST_RESULT_PREDICATE_TYPE } from '../src/statement/test-result';
import { writeKeyPair } from '../src/keys/write';
import { REPO } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';
import { vector, describeWithVectors } from './helpers/vectors';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function setup() {
  const root = tmpDir();
  writeTree(root, {
    'ft-model/weights.safetensors': 'fine-tuned weights',
    'ft-model/config.json': '{"base": "llama"}',
    'other-model/weights.safetensors': 'other weights',
    'canary/suite.jsonl': '{"prompt": "trigger phrase", "expect": "refusal"}\n',
    'canary/suite-v2.jsonl': '{"prompt": "another"}\n',
    'canary/pass.json': JSON.stringify({ passedTests: ['backdoor-trigger', 'toxicity'] }),
    'canary/warn.json': JSON.stringify({ passedTests: ['backdoor-trigger'], warnedTests: ['toxicity'] }),
    'canary/fail.json': JSON.stringify({ passedTests: ['toxicity'], failedTests: ['backdoor-trigger'] }),
  });
  const publisher = writeKeyPair(path.join(root, 'publisher'), 'ed25519');
  const evaluator = writeKeyPair(path.join(root, 'evaluator'), 'ecdsa-p256');
  const stranger = writeKeyPair(path.join(root, 'stranger'), 'ed25519');
  const suiteHex = sha256(fs.readFileSync(path.join(root, 'canary/suite.jsonl')));
  const policy = (require = 'pass') =>
    parsePolicy(
      [
        'apiVersion: modelseal.dev/policy/v1',
        'signers:',
        '  publisher: { keys: [publisher.pub] }',
        '  red-team: { keys: [evaluator.pub] }',
        'artifacts:',
        '  - name: "my-org/**"',
        '    signers: [publisher]',
        '    evals:',
        `      - { suite: "sha256:${suiteHex}", evaluators: [red-team], require: ${require} }`,
      ].join('\n'),
      path.join(root, 'policy.yaml'),
    );
  return { root, publisher, evaluator, stranger, suiteHex, policy, model: path.join(root, 'ft-model') };
}

async function signedModel(s: ReturnType<typeof setup>) {
  await signArtifact(s.model, { key: loadPrivateKey(s.publisher.privateKeyPath) });
  return (await verifyArtifact(s.model, { keys: s.publisher.publicKeyPath })).rootDigest;
}

function attest(s: ReturnType<typeof setup>, results: string, extra: { key?: string; suite?: string; artifact?: string; force?: boolean } = {}) {
  return attestEval(extra.artifact ?? s.model, {
    suite: path.join(s.root, extra.suite ?? 'canary/suite.jsonl'),
    results: path.join(s.root, 'canary', results),
    key: loadPrivateKey(extra.key ?? s.evaluator.privateKeyPath),
    force: extra.force,
  });
}

const statementSchema = new Ajv2020({ strict: true, strictRequired: false }).compile(JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', 'test-result-statement.schema.json'), 'utf8')));

function payloadOf(file: string) {
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
}

describe('attestEval', () => {
  it('writes an in-toto test-result statement over the signed root digest, binding the suite digest and results', async () => {
    const s = setup();
    const root = await signedModel(s);
    const r = await attest(s, 'fail.json');
    expect(r.attestation).toBe(path.join(s.model, 'eval.sig'));
    const st = payloadOf(r.attestation);
    expect(statementSchema(st)).toBe(true);
    expect(st.predicateType).toBe('https://in-toto.io/attestation/test-result/v0.1');
    expect(st.subject).toEqual([{ name: 'ft-model', digest: { sha256: root } }]);
    expect(st.predicate).toEqual({
      result: 'FAILED',
      configuration: [{ name: 'suite.jsonl', digest: { sha256: s.suiteHex } }],
      passedTests: ['toxicity'],
      warnedTests: [],
      failedTests: ['backdoor-trigger'],
    });
    // eval.sig is not part of the artifact: the model still verifies and digests the same.
    expect((await verifyArtifact(s.model, { keys: s.publisher.publicKeyPath })).rootDigest).toBe(root);
    expect((await digestArtifact(s.model)).rootDigest).toBe(root);
  });

  it('writes <file>.eval.sig beside a single-file artifact and refuses to overwrite without force', async () => {
    const s = setup();
    const file = path.join(s.root, 'other-model/weights.safetensors');
    const r = await attest(s, 'pass.json', { artifact: file });
    expect(r.attestation).toBe(`${file}.eval.sig`);
    expect(payloadOf(r.attestation).subject[0].digest.sha256).toBe(sha256(createHash('sha256').update(fs.readFileSync(file)).digest()));
    await expect(attest(s, 'pass.json', { artifact: file })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    await attest(s, 'fail.json', { artifact: file, force: true });
  });

  it('hashes the artifact as its signature did (shards), so the subject is the signed root digest', async () => {
    const s = setup();
    await signArtifact(s.model, { key: loadPrivateKey(s.publisher.privateKeyPath), method: 'shards', shardSize: 8 });
    const root = (await verifyArtifact(s.model, { keys: s.publisher.publicKeyPath })).rootDigest;
    expect((await attest(s, 'pass.json')).rootDigest).toBe(root);
    const policy = s.policy();
    expect(checkEvalRequirements(s.model, root, policy.artifacts[0], policy)[0].result).toBe('PASSED');
  });

  it('refuses a malformed or empty results file', async () => {
    const s = setup();
    fs.writeFileSync(path.join(s.root, 'canary/empty.json'), JSON.stringify({ passedTests: [] }));
    fs.writeFileSync(path.join(s.root, 'canary/bad.json'), JSON.stringify({ passed: ['x'] }));
    fs.writeFileSync(path.join(s.root, 'canary/twice.json'), JSON.stringify({ passedTests: ['x'], failedTests: ['x'] }));
    for (const f of ['empty.json', 'bad.json', 'twice.json']) await expect(attest(s, f)).rejects.toMatchObject({ code: 'EVAL_RESULTS_INVALID' });
  });
});

describe('checkEvalRequirements', () => {
  it('accepts a passing attestation by the named evaluator for this suite and these weights', async () => {
    const s = setup();
    const root = await signedModel(s);
    await attest(s, 'pass.json');
    const policy = s.policy();
    expect(checkEvalRequirements(s.model, root, policy.artifacts[0], policy)).toEqual([
      { suite: `sha256:${s.suiteHex}`, evaluator: 'red-team', result: 'PASSED', attestation: path.join(s.model, 'eval.sig') },
    ]);
    // A rule without evals requires nothing.
    expect(checkEvalRequirements(s.model, root, { name: 'x' }, policy)).toEqual([]);
  });

  it('refuses when the attestation is missing', async () => {
    const s = setup();
    const root = await signedModel(s);
    const policy = s.policy();
    expect(() => checkEvalRequirements(s.model, root, policy.artifacts[0], policy)).toThrow(expect.objectContaining({ code: 'EVAL_MISSING', exitCode: 1 }));
  });

  it('refuses a failing result, and a warning unless the policy accepts warnings', async () => {
    const s = setup();
    const root = await signedModel(s);
    await attest(s, 'fail.json');
    const policy = s.policy();
    expect(() => checkEvalRequirements(s.model, root, policy.artifacts[0], policy)).toThrow(expect.objectContaining({ code: 'EVAL_FAILED' }));
    await attest(s, 'warn.json', { force: true });
    expect(() => checkEvalRequirements(s.model, root, policy.artifacts[0], policy)).toThrow(expect.objectContaining({ code: 'EVAL_FAILED' }));
    const lenient = s.policy('pass-or-warn');
    expect(checkEvalRequirements(s.model, root, lenient.artifacts[0], lenient)[0].result).toBe('WARNED');
  });

  it('refuses an attestation by an evaluator the policy does not name', async () => {
    const s = setup();
    const root = await signedModel(s);
    await attest(s, 'pass.json', { key: s.stranger.privateKeyPath });
    const policy = s.policy();
    expect(() => checkEvalRequirements(s.model, root, policy.artifacts[0], policy)).toThrow(expect.objectContaining({ code: 'EVAL_UNTRUSTED_EVALUATOR' }));
  });

  it('refuses an attestation for another suite digest', async () => {
    const s = setup();
    const root = await signedModel(s);
    await attest(s, 'pass.json', { suite: 'canary/suite-v2.jsonl' });
    const policy = s.policy();
    expect(() => checkEvalRequirements(s.model, root, policy.artifacts[0], policy)).toThrow(expect.objectContaining({ code: 'EVAL_SUITE_MISMATCH' }));
  });

  it('refuses an attestation for other weights (evaluated before a swap, or copied from another model)', async () => {
    const s = setup();
    await signedModel(s);
    await attest(s, 'pass.json');
    // The weights are swapped after the evaluation and re-signed by the publisher.
    fs.writeFileSync(path.join(s.model, 'weights.safetensors'), 'backdoored weights');
    await signArtifact(s.model, { key: loadPrivateKey(s.publisher.privateKeyPath), force: true });
    const root = (await verifyArtifact(s.model, { keys: s.publisher.publicKeyPath })).rootDigest;
    const policy = s.policy();
    expect(() => checkEvalRequirements(s.model, root, policy.artifacts[0], policy)).toThrow(expect.objectContaining({ code: 'EVAL_SUBJECT_MISMATCH' }));
    // An attestation copied from another model does not count either.
    const other = path.join(s.root, 'other-model');
    const copied = await attest(s, 'pass.json', { artifact: other });
    expect(() => checkEvalRequirements(s.model, root, policy.artifacts[0], policy, { attestations: [copied.attestation] })).toThrow(expect.objectContaining({ code: 'EVAL_SUBJECT_MISMATCH' }));
  });

  it('refuses a policy whose eval names an undefined evaluator or a malformed suite digest', () => {
    const s = setup();
    const base = ['apiVersion: modelseal.dev/policy/v1', 'signers:', '  publisher: { keys: [publisher.pub] }', 'artifacts:', '  - name: "x"', '    signers: [publisher]', '    evals:'];
    expect(() => parsePolicy([...base, `      - { suite: "sha256:${s.suiteHex}", evaluators: [nobody] }`].join('\n'), path.join(s.root, 'p.yaml'))).toThrow(expect.objectContaining({ code: 'POLICY_INVALID' }));
    expect(() => parsePolicy([...base, '      - { suite: "sha256:abc", evaluators: [publisher] }'].join('\n'), path.join(s.root, 'p.yaml'))).toThrow(expect.objectContaining({ code: 'POLICY_INVALID' }));
  });
});

describeWithVectors('test-result predicate against the in-toto attestation proto', () => {
  it('uses exactly the proto3 JSON names of TestResult', () => {
    const proto = fs.readFileSync(vector('in-toto-attestation/schema/in-toto/predicates/test_result/v0/test_result.proto'), 'utf8');
    const fields = [...proto.matchAll(/^\s*(?:repeated\s+)?[\w.]+\s+(\w+)\s*=\s*\d+;/gm)].map((m) => m[1].replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', 'test-result-statement.schema.json'), 'utf8'));
    expect(Object.keys(schema.properties.predicate.properties).sort()).toEqual([...fields].sort());
    expect(TEST_RESULT_PREDICATE_TYPE).toBe('https://in-toto.io/attestation/test-result/v0.1');
  });
});
