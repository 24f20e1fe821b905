import * as fs from 'node:fs';
import * as path from 'node:path';
import { Gate } from '../src/gate/gate';
import { createRelease } from '../src/gate/create-release';
import { addReleaseSignature, serializeReleaseEnvelope } from '../src/gate/release-envelope';
import { readState, STATE_FILE } from '../src/gate/gate-state';
import { schemaValidator } from '../src/policy/schema';
import type { DsseEnvelope } from '../src/envelope/dsse';
import { gateFixture, type GateFixture } from './helpers/gate-fixture';
import { refusal } from './helpers/refusal';

function writeRelease(fx: GateFixture, env: DsseEnvelope, name = `release-${Math.random().toString(36).slice(2)}.json`): string {
  const file = path.join(fx.root, name);
  fs.writeFileSync(file, serializeReleaseEnvelope(env));
  return file;
}

describe('update gate', () => {
  let fx: GateFixture;
  let model: string;
  let adapter: string;
  beforeAll(async () => {
    fx = gateFixture();
    model = await fx.artifact('model', 'base weights');
    adapter = await fx.artifact('adapter', 'lora');
  });

  async function release(version: number, signers: Array<'k1' | 'k2' | 'k3' | 'stranger'>, artifacts = [model, adapter], channel = 'prod', extra: { expires?: string; now?: Date } = {}) {
    const first = await createRelease(artifacts, { channel, version, expires: extra.expires ?? '7d', key: fx.keys[signers[0]], now: extra.now });
    let env = first.envelope;
    for (const s of signers.slice(1)) env = addReleaseSignature(env, fx.keys[s]);
    return env;
  }

  it('accepts a 2-of-3 release on first use with init, then refuses a replay of 41 after 42', async () => {
    const gate = new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true });
    const d = await gate.check(writeRelease(fx, await release(42, ['k1', 'k2'])), [model, adapter]);
    expect(d).toMatchObject({ accepted: true, channel: 'prod', version: 42, previousVersion: null, threshold: 2 });
    expect(new Set(d.signers)).toEqual(new Set([fx.keys.k1.publicKey.id, fx.keys.k2.publicKey.id]));
    expect(readState(fx.stateDir)?.channels.prod).toMatchObject({ version: 42, recordDigest: d.recordDigest });

    const strict = new Gate(fx.policyFile, fx.stateDir, { channel: 'prod' });
    const old = await refusal(strict.check(writeRelease(fx, await release(41, ['k1', 'k3'])), [model, adapter]));
    expect(old.code).toBe('ROLLBACK');
    expect(old.message).toMatch(/version 41 is not above 42.*rollback/);
    expect(readState(fx.stateDir)?.channels.prod.version).toBe(42);
  });

  it('refuses the accepted record itself when replayed', async () => {
    const gate = new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true });
    const file = writeRelease(fx, await release(50, ['k2', 'k3']));
    await gate.check(file, [model, adapter]);
    const again = await refusal(gate.check(file, [model, adapter]));
    expect(again.code).toBe('ROLLBACK');
    expect(again.message).toContain('a replay of the accepted record');
  });

  it('refuses a 1-of-2 record where the channel needs 2 distinct keys', async () => {
    const e = await refusal(new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true }).check(writeRelease(fx, await release(60, ['k1'])), [model, adapter]));
    expect(e.code).toBe('THRESHOLD_NOT_MET');
    expect(e.message).toContain('1 distinct trusted key(s)');
  });

  it('counts a key once when it signs twice, even under another keyid', async () => {
    let env = await release(61, ['k1']);
    env = addReleaseSignature(env, fx.keys.k1);
    env = { ...env, signatures: [...env.signatures, { ...addReleaseSignature(env, fx.keys.k1).signatures[2], keyid: fx.keys.k2.publicKey.hint }] };
    expect(env.signatures).toHaveLength(3);
    const e = await refusal(new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true }).check(writeRelease(fx, env), [model, adapter]));
    expect(e.code).toBe('THRESHOLD_NOT_MET');
  });

  it('does not count a key the policy does not trust', async () => {
    const e = await refusal(new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true }).check(writeRelease(fx, await release(62, ['k1', 'stranger'])), [model, adapter]));
    expect(e.code).toBe('THRESHOLD_NOT_MET');
    const none = await refusal(new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true }).check(writeRelease(fx, await release(63, ['stranger'])), [model, adapter]));
    expect(none.code).toBe('SIGNATURE_MISMATCH');
  });

  it('refuses a record with no signature and one whose payload was altered after signing', async () => {
    const env = await release(64, ['k1', 'k2']);
    const unsigned = await refusal(new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true }).check({ ...env, signatures: [] }, [model, adapter]));
    expect(unsigned.code).toBe('SIGNATURE_MISMATCH');
    const altered = Buffer.from(env.payload.toString('utf8').replace('"version": 64', '"version": 99'), 'utf8');
    expect(altered.equals(env.payload)).toBe(false);
    const bad = await refusal(new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true }).check({ ...env, payload: altered }, [model, adapter]));
    expect(bad.code).toBe('SIGNATURE_MISMATCH');
  });

  it('refuses a record expired by one second (injected clock), accepts it one second before', async () => {
    const t0 = new Date('2031-03-01T12:00:00Z');
    const env = await release(70, ['k1', 'k3'], [model, adapter], 'prod', { expires: '1h', now: t0 });
    const expiry = new Date('2031-03-01T13:00:00Z');
    const late = await refusal(new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true, now: () => new Date(expiry.getTime() + 1000) }).check(env, [model, adapter]));
    expect(late.code).toBe('RELEASE_EXPIRED');
    expect(late.message).toContain('expired at 2031-03-01T13:00:00Z');
    const onTime = await new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true, now: () => new Date(expiry.getTime() - 1000) }).check(env, [model, adapter]);
    expect(onTime.version).toBe(70);
  });

  it("refuses a record expiring further ahead than the channel's maxExpiry", async () => {
    const t0 = new Date('2031-05-01T00:00:00Z');
    const far = await release(20, ['k1'], [model], 'dev', { expires: '31d', now: t0 });
    const e = await refusal(new Gate(fx.policyFile, fx.stateDir, { channel: 'dev', init: true, now: () => t0 }).check(far, [model]));
    expect(e.code).toBe('RELEASE_INVALID');
    expect(e.message).toContain('more than 30d ahead');
    const near = await release(20, ['k1'], [model], 'dev', { expires: '30d', now: t0 });
    expect((await new Gate(fx.policyFile, fx.stateDir, { channel: 'dev', init: true, now: () => t0 }).check(near, [model])).version).toBe(20);
  });

  it('refuses mix-and-match: an artifact from another release, a missing one, an extra one', async () => {
    const otherAdapter = path.join(path.dirname(await fx.artifact('adapter', 'other lora')), 'adapter');
    const env = await release(80, ['k1', 'k2']);
    const gate = new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true });
    const swapped = await refusal(gate.check(env, [model, otherAdapter]));
    expect(swapped.code).toBe('RELEASE_MISMATCH');
    expect(swapped.message).toContain('artifact "adapter" is signed as root digest');
    expect((await refusal(gate.check(env, [model]))).code).toBe('RELEASE_MISMATCH');
    const extra = await fx.artifact('tokenizer', 'vocab');
    const e = await refusal(gate.check(env, [model, adapter, extra]));
    expect(e.code).toBe('RELEASE_MISMATCH');
    expect(e.message).toContain('not in the record "tokenizer"');
    expect(readState(fx.stateDir)?.channels.prod.version).not.toBe(80);
  });

  it('refuses an artifact that fails its own signature, even though the record binds its digest', async () => {
    const rogue = await fx.artifact('rogue', 'weights signed by a stranger', fx.keys.stranger);
    const env = await release(90, ['k1', 'k2'], [rogue]);
    const e = await refusal(new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true }).check(env, [rogue]));
    expect(e.code).toBe('UNTRUSTED_SIGNER');
  });

  it('refuses an artifact that fails its lineage policy (the rule requires provenance it lacks)', async () => {
    const strictPolicy = path.join(fx.root, 'lineage-policy.yaml');
    const text = fs.readFileSync(fx.policyFile, 'utf8').replace("  - { name: '**', signers: [publisher] }", "  - { name: 'adapter', signers: [publisher], lineage: required, roots: [publisher] }\n  - { name: '**', signers: [publisher] }");
    expect(text).toContain('lineage: required');
    fs.writeFileSync(strictPolicy, text);
    const env = await release(92, ['k1', 'k2']);
    const e = await refusal(new Gate(strictPolicy, fx.stateDir, { channel: 'prod', init: true }).check(env, [model, adapter]));
    expect(e.code).toBe('POLICY_DENIED');
    expect(e.message).toMatch(/lineage|provenance/);
    expect(e.message).toContain('adapter');
    // The same release passes the policy that does not require lineage.
    expect((await new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true }).check(env, [model, adapter])).version).toBe(92);
  });

  it('refuses an artifact changed after the release was made', async () => {
    const m = await fx.artifact('model', 'to be tampered');
    const env = await release(95, ['k1', 'k2'], [m]);
    fs.writeFileSync(path.join(m, 'config.json'), '{"content":"tampered"}');
    expect((await refusal(new Gate(fx.policyFile, fx.stateDir, { channel: 'prod', init: true }).check(env, [m]))).code).toBe('ARTIFACT_MISMATCH');
  });

  it('refuses an unknown channel', async () => {
    const env = await release(1, ['k1', 'k2'], [model], 'staging');
    expect((await refusal(new Gate(fx.policyFile, fx.stateDir, { channel: 'staging', init: true }).check(env, [model]))).code).toBe('CHANNEL_UNKNOWN');
  });

  it('refuses missing state without init, and corrupt state even with init', async () => {
    const env = await release(5, ['k1'], [model], 'dev');
    const fresh = path.join(fx.root, 'fresh-state');
    expect((await refusal(new Gate(fx.policyFile, fresh, { channel: 'dev' }).check(env, [model]))).code).toBe('STATE_MISSING');
    fs.mkdirSync(fresh);
    expect((await refusal(new Gate(fx.policyFile, fresh, { channel: 'dev' }).check(env, [model]))).code).toBe('STATE_MISSING');
    fs.writeFileSync(path.join(fresh, STATE_FILE), '{"format":"modelseal.dev/gate-state/v1","channels":{"dev":{"version":"7"}}');
    const corrupt = await refusal(new Gate(fx.policyFile, fresh, { channel: 'dev', init: true }).check(env, [model]));
    expect(corrupt.code).toBe('STATE_CORRUPT');
    expect(fs.readFileSync(path.join(fresh, STATE_FILE), 'utf8')).toContain('"version":"7"'); // never reset
  });

  it('emits records that validate against schemas/release-record.schema.json', async () => {
    const env = await release(7, ['k1'], [model, adapter], 'dev');
    const statement = JSON.parse(env.payload.toString('utf8'));
    expect(schemaValidator('release-record.schema.json')(statement)).toBe(true);
    expect(statement.subject.map((s: { name: string }) => s.name)).toEqual(['adapter', 'model']);
    expect(schemaValidator('release-record.schema.json')({ ...statement, predicate: { ...statement.predicate, version: 0 } })).toBe(false);
  });
});
