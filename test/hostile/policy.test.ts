/** Hostile policy files: each through `modelseal policy check` (or verify), with the exact code, exit status and an untouched folder. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliOnTree, expectCliRefusal, hostile, makeKey, type TestKey } from '../helpers/hostile';
import { tmpDir, writeTree } from '../helpers/tmp';

const HEAD = 'apiVersion: modelseal.dev/policy/v1\n';
let dir: string;
let key: TestKey;
let n = 0;

beforeAll(() => {
  dir = tmpDir();
  key = makeKey(dir, 'publisher');
  makeKey(dir, 'release-a');
});

/** Writes a policy into `dir` (relative key paths resolve there). */
function policyFile(content: string | Buffer, ext = 'yaml'): string {
  const f = path.join(dir, `policy-${++n}.${ext}`);
  fs.writeFileSync(f, content);
  return f;
}
const check = (file: string) => cliOnTree(dir, ['policy', 'check', file]);
const signers = 'signers:\n  publisher: { keys: [publisher.pub] }\n';

/** Refused by `policy check` with POLICY_INVALID, exit 2, a message naming the file and matching `why`. */
function refused(content: string | Buffer, why: RegExp, ext?: string): void {
  const f = policyFile(content, ext);
  const r = check(f);
  expectCliRefusal(r, 'POLICY_INVALID', 2);
  expect(r.stderr).toContain(f);
  expect(r.stderr).toMatch(why);
}

it('the valid baseline is accepted (so each refusal below is about its one change)', () => {
  const r = check(policyFile(`${HEAD}${signers}artifacts:\n  - { name: "**", signers: [publisher] }\nchannels:\n  prod: { signers: [publisher], threshold: 1 }\n`));
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
});

hostile('P-01', 'an unknown top-level field is refused', () => {
  refused(`${HEAD}${signers}trustAll: true\n`, /unknown field "trustAll"/);
});

hostile('P-02', 'an unknown field in a signer is refused', () => {
  refused(`${HEAD}signers:\n  publisher: { keys: [publisher.pub], allowAnyKey: true }\n`, /\/signers\/publisher: unknown field "allowAnyKey"/);
});

hostile('P-03', 'an unknown field in a channel is refused', () => {
  refused(`${HEAD}${signers}channels:\n  prod: { signers: [publisher], threshold: 1, quorum: 0 }\n`, /\/channels\/prod: unknown field "quorum"/);
});

hostile('P-04', 'a key file that does not exist is refused, naming it', () => {
  refused(`${HEAD}signers:\n  publisher: { keys: [publisher.pub, keys/missing.pub] }\n`, /names keys\/missing\.pub, which does not exist/);
});

hostile('P-05', 'a rule trusting an undefined signer is refused', () => {
  refused(`${HEAD}${signers}artifacts:\n  - { name: "**", signers: [publisher, publsher] }\n`, /\/artifacts\/0\/signers names signer "publsher", which is not defined/);
});

hostile('P-06', 'a channel naming an undefined signer is refused', () => {
  refused(`${HEAD}${signers}channels:\n  prod: { signers: [publisher, release-b], threshold: 1 }\n`, /\/channels\/prod\/signers names signer "release-b"/);
});

hostile('P-07', 'duplicate YAML keys are refused (first-wins and last-wins readers would trust different signers)', () => {
  refused(`${HEAD}${signers}signers:\n  attacker: { keys: [release-a.pub] }\n`, /Map keys must be unique/);
});

hostile('P-08', 'duplicate keys in a JSON policy are refused', () => {
  const json = `{"apiVersion":"modelseal.dev/policy/v1","signers":{"publisher":{"keys":["publisher.pub"]},"publisher":{"keys":["release-a.pub"]}}}`;
  refused(json, /Map keys must be unique/, 'json');
});

hostile('P-09', 'a YAML alias bomb (billion laughs) is refused without expanding it', () => {
  let bomb = `${HEAD}${signers}l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n`;
  for (let i = 1; i <= 12; i++) bomb += `l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(',')}]\n`;
  refused(bomb, /Alias resolution is disabled/);
});

hostile('P-10', 'a single YAML alias (an anchored key list reused) is refused: aliases are not part of a policy', () => {
  refused(`${HEAD}signers:\n  publisher: { keys: &k [publisher.pub] }\n  mirror: { keys: *k }\n`, /Alias resolution is disabled/);
});

hostile('P-11', 'an unknown YAML tag (!!js/function) is refused, not read as a string', () => {
  refused(`${HEAD}signers:\n  ci: { sigstore: { identity: !!js/function "function () {}", issuer: "https://issuer.example" } }\n`, /Unresolved tag/);
});

hostile('P-12', 'a YAML 1.1 document (where `yes` is true) is refused', () => {
  refused(`%YAML 1.1\n---\n${HEAD}signers:\n  ci: { sigstore: { identity: ".*", issuer: "https://issuer.example", identityRegexp: yes } }\n`, /YAML 1\.1 is not accepted/);
});

hostile('P-13', 'a second YAML document is refused (readers disagree on which one counts)', () => {
  refused(`${HEAD}${signers}---\n${HEAD}signers:\n  attacker: { keys: [release-a.pub] }\n`, /holds 2 YAML documents/);
});

hostile('P-14', 'a truncated JSON policy is refused', () => {
  const json = JSON.stringify({ apiVersion: 'modelseal.dev/policy/v1', signers: { publisher: { keys: ['publisher.pub'] } }, artifacts: [{ name: '**', signers: ['publisher'] }] });
  refused(json.slice(0, json.length - 20), /is not valid YAML\/JSON/, 'json');
});

hostile('P-15', 'a truncated YAML policy (cut inside a flow list) is refused', () => {
  refused(`${HEAD}${signers}artifacts:\n  - { name: "**", signers: [publ`, /is not valid YAML\/JSON/);
});

hostile('P-16', 'a policy over the 4 MiB limit is refused by size, before parsing', () => {
  refused(Buffer.concat([Buffer.from(`${HEAD}${signers}`), Buffer.alloc(4 * 1024 * 1024, '#')]), /over the 4194304-byte limit/);
});

hostile('P-17', 'a policy that is not UTF-8 is refused, not decoded with replacement characters', () => {
  refused(Buffer.concat([Buffer.from(`${HEAD}signers:\n  publisher: { keys: [publisher.pub] }\nartifacts:\n  - { name: "mod`), Buffer.from([0xff, 0xfe]), Buffer.from('el", signers: [publisher] }\n')]), /is not valid UTF-8/);
});

hostile('P-18', 'a wrong apiVersion is refused', () => {
  refused(`apiVersion: modelseal.dev/policy/v2\n${signers}`, /\/apiVersion: must be equal to constant/);
});

hostile('P-19', 'a channel threshold of 0 is refused', () => {
  refused(`${HEAD}${signers}channels:\n  prod: { signers: [publisher], threshold: 0 }\n`, /\/channels\/prod\/threshold: must be >= 1/);
});

hostile('P-20', 'a threshold above the number of keys the channel holds is refused at load', () => {
  refused(`${HEAD}${signers}channels:\n  prod: { signers: [publisher], threshold: 2 }\n`, /threshold 2 is more than the 1 distinct key\(s\)/);
});

hostile('P-21', 'one key listed under two signer names counts once toward a threshold', () => {
  refused(`${HEAD}${signers}  alias: { keys: [publisher.pub] }\nchannels:\n  prod: { signers: [publisher, alias], threshold: 2 }\n`, /threshold 2 is more than the 1 distinct key\(s\)/);
});

hostile('P-22', 'a Sigstore identity regexp that does not compile is refused at load, not at verify time', () => {
  refused(`${HEAD}signers:\n  ci: { sigstore: { identity: "https://github.com/acme/(train", issuer: "https://token.actions.githubusercontent.com", identityRegexp: true } }\n`, /is not a valid regular expression/);
});

hostile('P-23', 'a policy nested 100,000 levels deep is refused, one line, no stack trace', () => {
  refused(`${HEAD}signers: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, /is not valid YAML\/JSON/);
});

hostile('P-24', 'a policy that trusts nobody (no signers) is refused', () => {
  refused(`${HEAD}signers: {}\n`, /\/signers: must NOT have fewer than 1 properties/);
});

hostile('P-25', 'a policy file that is a FIFO is refused without blocking', () => {
  const f = path.join(dir, `fifo-${++n}.yaml`);
  execFileSync('mkfifo', [f]);
  expectCliRefusal(check(f), 'SPECIAL_FILE', 2);
});

hostile('P-26', 'an artifact no rule names is refused by verify --policy (fail closed)', () => {
  const root = writeTree(tmpDir(), { 'weights.bin': 'weights' });
  expect(cliOnTree(root, ['sign', root, '--key', key.privatePath], { allowChanged: ['model.sig'] }).status).toBe(0);
  const f = policyFile(`${HEAD}${signers}artifacts:\n  - { name: "acme/*", signers: [publisher] }\n`);
  const r = cliOnTree(root, ['verify', root, '--policy', f, '--name', 'evil/model']);
  expectCliRefusal(r, 'POLICY_DENIED', 1);
  expect(r.stderr).toContain('no policy rule matches the artifact name "evil/model"');
});
