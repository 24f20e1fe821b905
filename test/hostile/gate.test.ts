/**
 * Hostile release records and gate states, through `modelseal gate`: each refused with
 * its exact code and exit status, and the gate's folder (state included) left unchanged.
 * Records are really signed by the channel's keys, so the checks past the signatures run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRelease } from '../../src/gate/create-release';
import { addReleaseSignature, serializeReleaseEnvelope, signReleaseStatement } from '../../src/gate/release-envelope';
import { STATE_FILE } from '../../src/gate/gate-state';
import type { DsseEnvelope } from '../../src/envelope/dsse';
import type { PrivateKeyInfo } from '../../src/keys/key-types';
import { cli } from '../helpers/cli';
import { cliOnTree, expectCliRefusal, hostile } from '../helpers/hostile';
import { gateFixture, type GateFixture } from '../helpers/gate-fixture';

let fx: GateFixture;
let model: string;
let adapter: string;
let honest: any;
let n = 0;

beforeAll(async () => {
  fx = gateFixture();
  model = await fx.artifact('model', 'weights');
  adapter = await fx.artifact('adapter', 'lora');
  // One accepted release, so the state exists and later refusals run without --init.
  const first = await createRelease([model, adapter], { channel: 'prod', version: 1, expires: '7d', key: fx.keys.k1 });
  const accepted = cli(['gate', '--channel', 'prod', '--policy', fx.policyFile, '--state', fx.stateDir, '--release', writeEnvelope(addReleaseSignature(first.envelope, fx.keys.k2)), model, adapter, '--init', '--json']);
  expect(accepted.json?.ok ?? accepted.stderr).toBe(true);
  honest = JSON.parse(first.envelope.payload.toString('utf8'));
});

function writeFile(content: string | Buffer): string {
  const f = path.join(fx.root, `release-${++n}.json`);
  fs.writeFileSync(f, content);
  return f;
}
const writeEnvelope = (env: DsseEnvelope) => writeFile(serializeReleaseEnvelope(env));

/** The honest record's statement with `edit` applied, really signed by each key. */
function signed(edit: (statement: any) => void, keys: PrivateKeyInfo[] = [fx.keys.k1, fx.keys.k2]): DsseEnvelope {
  const statement = JSON.parse(JSON.stringify(honest));
  statement.predicate.version = 100 + n;
  edit(statement);
  let env = signReleaseStatement(statement, keys[0]);
  for (const k of keys.slice(1)) env = addReleaseSignature(env, k);
  return env;
}

/** Runs the gate; nothing under the fixture (state, artifacts, records) may change. */
function gate(release: string, options: { policy?: string; state?: string; artifacts?: string[]; init?: boolean; channel?: string } = {}) {
  return cliOnTree(fx.root, ['gate', '--channel', options.channel ?? 'prod', '--policy', options.policy ?? fx.policyFile, '--state', options.state ?? fx.stateDir, '--release', release, ...(options.artifacts ?? [model, adapter]), ...(options.init ? ['--init'] : [])]);
}

/** A copy of the accepted state in a new folder, its state.json replaced by `write`. */
function corruptState(write: (file: string, good: Buffer) => void): string {
  const dir = path.join(fx.root, `state-${++n}`);
  fs.mkdirSync(dir);
  write(path.join(dir, STATE_FILE), fs.readFileSync(path.join(fx.stateDir, STATE_FILE)));
  return dir;
}

hostile('G-01', 'a release record naming one artifact twice (two digests for "model") is refused', () => {
  const env = signed((s) => {
    s.subject = [s.subject.find((x: any) => x.name === 'model'), { name: 'model', digest: { sha256: 'ab'.repeat(32) } }];
  });
  const r = gate(writeEnvelope(env), { artifacts: [model] });
  expectCliRefusal(r, 'RELEASE_INVALID', 1);
  expect(r.stderr).toContain('names an artifact twice');
});

hostile('G-02', 'a key trusted only for another channel does not count toward this channel', () => {
  const policy = path.join(fx.root, 'split-policy.yaml');
  fs.writeFileSync(policy, fs.readFileSync(fx.policyFile, 'utf8').replace(/  prod: .*\n  dev: .*\n/, '  prod: { signers: [release-1, release-2], threshold: 2 }\n  dev: { signers: [release-3], threshold: 1 }\n'));
  expect(fs.readFileSync(policy, 'utf8')).toContain('dev: { signers: [release-3]');
  const r = gate(writeEnvelope(signed(() => undefined, [fx.keys.k1, fx.keys.k3])), { policy });
  expectCliRefusal(r, 'THRESHOLD_NOT_MET', 1);
});

hostile('G-03', 'a gate state that is not UTF-8 is corrupt (never decoded with replacement characters), even with --init', () => {
  // "prod" becomes "pr\xFFod": decoded leniently it would be another channel, and prod's last version forgotten.
  const state = corruptState((f, good) => {
    const at = good.indexOf('"prod"') + 3;
    fs.writeFileSync(f, Buffer.concat([good.subarray(0, at), Buffer.from([0xff]), good.subarray(at)]));
  });
  const r = gate(writeEnvelope(signed(() => undefined)), { state, init: true });
  expectCliRefusal(r, 'STATE_CORRUPT', 2);
});

hostile('G-04', 'a gate state with a duplicate channel (a forged low version beside the real one) is corrupt', () => {
  const state = corruptState((f, good) => {
    const json = good.toString('utf8');
    const entry = JSON.stringify({ version: 1, recordDigest: `sha256:${'00'.repeat(32)}`, expires: '2099-01-01T00:00:00Z', acceptedAt: '2026-01-01T00:00:00Z' });
    const forged = json.replace('"channels": {', `"channels": { "prod": ${entry},`);
    expect(forged).not.toBe(json);
    fs.writeFileSync(f, forged);
  });
  expectCliRefusal(gate(writeEnvelope(signed(() => undefined)), { state }), 'STATE_CORRUPT', 2);
});

hostile('G-05', 'a gate state replaced by a symbolic link (to an older state) is corrupt', () => {
  const older = path.join(fx.root, 'older-state.json');
  fs.writeFileSync(older, JSON.stringify({ format: 'modelseal.dev/gate-state/v1', channels: {}, history: [] }));
  const state = corruptState((f) => fs.symlinkSync(older, f));
  expectCliRefusal(gate(writeEnvelope(signed(() => undefined)), { state }), 'STATE_CORRUPT', 2);
});

hostile('G-06', 'a release record with 65 signatures is refused before any is verified', () => {
  let env = signed(() => undefined);
  env = { ...env, signatures: Array.from({ length: 65 }, () => env.signatures[0]) };
  const r = gate(writeEnvelope(env));
  expectCliRefusal(r, 'RELEASE_INVALID', 1);
  expect(r.stderr).toContain('over the limit of 64');
});

hostile('G-07', "an artifact's model.sig given as the release record is refused", () => {
  expectCliRefusal(gate(path.join(model, 'model.sig')), 'RELEASE_INVALID', 1);
});

hostile('G-08', 'a signed record with another payloadType is refused', () => {
  const statement = JSON.parse(JSON.stringify(honest));
  statement.predicate.version = 300;
  let env = signReleaseStatement(statement, fx.keys.k1);
  env = addReleaseSignature({ ...env, payloadType: 'application/json', signatures: [] }, fx.keys.k1);
  env = addReleaseSignature(env, fx.keys.k2);
  expectCliRefusal(gate(writeEnvelope(env)), 'RELEASE_INVALID', 1);
});

hostile('G-09', 'a signed record whose version is a string ("9" sorts above "10") is refused', () => {
  const r = gate(writeEnvelope(signed((s) => (s.predicate.version = '999'))));
  expectCliRefusal(r, 'RELEASE_INVALID', 1);
  expect(r.stderr).toContain('/predicate/version: must be integer');
});

hostile('G-10', 'a signed record whose expiry is not in UTC (a local offset) is refused', () => {
  const r = gate(writeEnvelope(signed((s) => (s.predicate.expires = '2099-01-01T00:00:00+02:00'))));
  expectCliRefusal(r, 'RELEASE_INVALID', 1);
  expect(r.stderr).toContain('/predicate/expires');
});

hostile('G-14', 'a signed record expiring on February 30 (JavaScript would read March 2) is refused', () => {
  const r = gate(writeEnvelope(signed((s) => (s.predicate.expires = '2031-02-30T00:00:00Z'))));
  expectCliRefusal(r, 'RELEASE_INVALID', 1);
  expect(r.stderr).toContain('expires "2031-02-30T00:00:00Z" is not a valid time');
});

hostile('G-11', 'a signed record with an unknown predicate field (an "emergency" override) is refused', () => {
  const r = gate(writeEnvelope(signed((s) => (s.predicate.skipRollbackCheck = true))));
  expectCliRefusal(r, 'RELEASE_INVALID', 1);
  expect(r.stderr).toContain('unknown field "skipRollbackCheck"');
});

hostile('G-12', 'a truncated release record is refused', () => {
  const text = serializeReleaseEnvelope(signed(() => undefined));
  expectCliRefusal(gate(writeFile(text.slice(0, text.length - 30))), 'RELEASE_INVALID', 1);
});

hostile('G-13', 'a release record with a duplicate "payload" key is refused (parser differential)', () => {
  const good = serializeReleaseEnvelope(signed(() => undefined));
  const other = JSON.parse(serializeReleaseEnvelope(signed((s) => (s.predicate.version = 5000)))).payload;
  const text = good.replace('"payloadType"', `"payload": "${other}",\n  "payloadType"`);
  expect(text).not.toBe(good);
  expectCliRefusal(gate(writeFile(text)), 'RELEASE_INVALID', 1);
});
