/**
 * Fuzz targets shared by the in-suite run (fixed seed, bounded runs) and `npm run fuzz`
 * (random seeds for FUZZ_SECONDS). The one property behind all of them: every input is
 * either accepted with its invariants intact, or refused with a ModelsealError carrying
 * a known code and a one-line message. Anything else (another exception, a broken
 * invariant, a hang) is an escape.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES, ModelsealError } from '../../src/errors';
import { parseBundle } from '../../src/envelope/bundle';
import { decodeBase64 } from '../../src/envelope/base64';
import { parseJson } from '../../src/envelope/read-json';
import { parseStrictJson } from '../../src/envelope/strict-json';
import { rootDigestOf } from '../../src/digest/manifest';
import { isSafeRelativePath, OMS_PREDICATE_TYPE, parseOmsStatement, parseShardName } from '../../src/statement/oms';
import { parseStatement, STATEMENT_TYPE_V1 } from '../../src/statement/statement';
import { verifyEnvelope } from '../../src/verify/dsse-verify';
import { verifyArtifact } from '../../src/verify/verify-artifact';
import { signArtifact } from '../../src/sign/sign-artifact';
import type { PrivateKeyInfo } from '../../src/keys/key-types';
import { bundleObject, makeKey } from '../helpers/hostile';
import { stringify as yamlStringify } from 'yaml';
import { decodePolicy, parsePolicy } from '../../src/policy/load-policy';
import type { Policy } from '../../src/policy/policy-types';
import { IN_TOTO_PAYLOAD_TYPE } from '../../src/envelope/dsse';
import type { PublicKeyInfo } from '../../src/keys/key-types';
import { parseReleaseEnvelope, serializeReleaseEnvelope, signReleaseStatement, addReleaseSignature, verifiedSigners } from '../../src/gate/release-envelope';
import { buildReleaseStatement, parseReleaseStatement, type ReleaseRecord } from '../../src/gate/release-record';

const KNOWN_CODES = new Set(ERROR_CODES.map((c) => c.code));

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ModelsealError };

/** Runs fn; a ModelsealError with a known code and a one-line message is a refusal, anything else escapes. */
export async function outcome<T>(fn: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (!(err instanceof ModelsealError)) throw err;
    if (!KNOWN_CODES.has(err.code)) throw new Error(`unknown error code ${err.code}`);
    if (err.message.includes('\n')) throw new Error(`multi-line error message: ${JSON.stringify(err.message)}`);
    return { ok: false, error: err };
  }
}

export interface FuzzContext {
  key: PrivateKeyInfo;
  keyPub: string;
  root: string;
  signature: string;
  signatureBytes: Buffer;
  honestStatement: any;
  /** A folder with key files (fuzz.pub, rel.pub) that generated policies name, and a valid policy in it. */
  policyDir: string;
  policyBytes: Buffer;
  /** A valid release record signed by two keys, its statement, and the keys trusted for it. */
  releaseBytes: Buffer;
  releaseStatement: any;
  releaseRecord: ReleaseRecord;
  releaseKeys: PublicKeyInfo[];
  releaseSigner: PrivateKeyInfo;
}

export interface FuzzTarget {
  name: string;
  /** Runs per in-suite execution (fixed seed); long runs ignore it. */
  runs: number;
  property(ctx: FuzzContext): fc.IAsyncPropertyWithHooks<any> | fc.IPropertyWithHooks<any>;
}

/** A small signed model, its real signature, and the key, in `dir`. */
export async function makeContext(dir: string): Promise<FuzzContext> {
  const key = makeKey(dir, 'fuzz');
  const root = path.join(dir, 'model');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'weights.bin'), 'weights ~~~ ???');
  fs.writeFileSync(path.join(root, 'sub', 'tok.json'), '{"a":1}');
  const signature = path.join(dir, 'model.sig');
  await signArtifact(root, { key: key.info, signature });
  const signatureBytes = fs.readFileSync(signature);
  const honestStatement = JSON.parse(parseBundle(JSON.parse(signatureBytes.toString())).envelope.payload.toString());

  const policyDir = path.join(dir, 'policy');
  fs.mkdirSync(policyDir);
  fs.copyFileSync(key.publicPath, path.join(policyDir, 'fuzz.pub'));
  const rel = makeKey(policyDir, 'rel', 'ecdsa-p256');
  const policyBytes = Buffer.from(VALID_POLICY, 'utf8');
  const releaseRecord: ReleaseRecord = { channel: 'prod', version: 7, expires: '2031-01-01T00:00:00Z', created: '2030-12-01T00:00:00Z', artifacts: [{ name: 'model', digest: 'ab'.repeat(32) }, { name: 'adapter', digest: 'cd'.repeat(32) }] };
  const releaseStatement = buildReleaseStatement(releaseRecord);
  const releaseEnv = addReleaseSignature(signReleaseStatement(releaseStatement, key.info), rel.info);
  return {
    key: key.info,
    keyPub: key.publicPath,
    root,
    signature,
    signatureBytes,
    honestStatement,
    policyDir,
    policyBytes,
    releaseBytes: Buffer.from(serializeReleaseEnvelope(releaseEnv)),
    releaseStatement: JSON.parse(JSON.stringify(releaseStatement)),
    releaseRecord: parseReleaseStatement(releaseEnv.payload),
    releaseKeys: [key.info.publicKey, rel.info.publicKey],
    releaseSigner: key.info,
  };
}

const VALID_POLICY = `apiVersion: modelseal.dev/policy/v1
signers:
  publisher: { keys: [fuzz.pub] }
  release: { keys: [fuzz.pub, rel.pub] }
  ci: { sigstore: { identity: "^https://github.com/acme/.*$", issuer: "https://token.actions.githubusercontent.com", identityRegexp: true } }
artifacts:
  - name: "adapters/**"
    signers: [publisher, ci]
    kinds: [lora]
    lineage: required
    roots: [publisher]
    maxDepth: 4
  - { name: "**", signers: [publisher] }
channels:
  prod: { signers: [release], threshold: 2, maxExpiry: 30d }
`;

// ---------- arbitraries ----------

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const hostileName = fc.oneof(
  fc.constantFrom('weights.bin', 'sub/tok.json', '.', '..', './a', '/etc/passwd', 'a//b', 'a\\b', 'a\u0000b', 'a/../b', 'w.bin:0:8', 'w.bin:8:16', 'w.bin:00:8', 'w.bin:8:4', 'é', 'e\u0301', ''),
  fc.string({ maxLength: 12 }),
);
const anyJson = fc.jsonValue({ maxDepth: 3 });
const base64ish = fc.oneof(
  fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('base64')),
  fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('base64url')),
  fc.string({ maxLength: 20 }),
  anyJson,
);

/** Mostly a, sometimes b: keeps generated documents close enough to valid to reach the deep checks. */
const mostly = <T, U>(a: fc.Arbitrary<T>, b: fc.Arbitrary<U>) => fc.oneof({ arbitrary: a, weight: 6 }, { arbitrary: b, weight: 1 });

const resource = fc.record({
  name: mostly(fc.constantFrom('weights.bin', 'sub/tok.json', 'a', 'b/c', 'd e/f', 'ü.bin'), hostileName),
  algorithm: mostly(fc.constant('sha256'), fc.oneof(fc.constantFrom('blake2b', 'sha256-sharded-8', 'md5'), fc.string({ maxLength: 8 }))),
  digest: mostly(hex(32), fc.oneof(hex(64), hex(31), fc.string({ maxLength: 8 }), anyJson)),
});

const shardResource = fc.record({
  name: mostly(fc.constantFrom('w.bin:0:8', 'w.bin:8:16', 'w.bin:16:20', 'x:0:8', 'w.bin:4:12'), hostileName),
  algorithm: mostly(fc.constant('sha256-sharded-8'), fc.constantFrom('sha256', 'sha256-sharded-9', 'blake2b')),
  digest: mostly(hex(32), hex(64)),
});

const serialization = fc.record(
  {
    method: mostly(fc.constant('files'), fc.oneof(fc.constant('shards'), anyJson)),
    hash_type: mostly(fc.constant('sha256'), fc.oneof(fc.constantFrom('blake2b', 'md5'), anyJson)),
    allow_symlinks: mostly(fc.boolean(), anyJson),
    shard_size: fc.oneof(fc.constantFrom(8, 0, -8, 8.5, 1e21), fc.integer(), fc.double(), fc.string({ maxLength: 3 })),
    ignore_paths: fc.oneof(fc.array(hostileName, { maxLength: 3 }), anyJson),
    extra: anyJson,
  },
  { requiredKeys: ['method', 'hash_type', 'allow_symlinks'] },
);

const shardSerialization = fc.record({
  method: mostly(fc.constant('shards'), fc.constant('files')),
  hash_type: mostly(fc.constant('sha256'), fc.constant('blake2b')),
  allow_symlinks: fc.boolean(),
  shard_size: mostly(fc.constant(8), fc.oneof(fc.constantFrom(0, -8, 8.5, 9, 1e21, '8'), fc.double())),
});

const statementArb = fc
  .record({
    type: mostly(fc.constant(STATEMENT_TYPE_V1), fc.string({ maxLength: 8 })),
    predicateType: mostly(fc.constantFrom(OMS_PREDICATE_TYPE, 'https://model_signing/signature/v1.1'), fc.oneof(fc.constant('https://slsa.dev/provenance/v1'), fc.string({ maxLength: 8 }))),
    body: fc.oneof(
      fc.record({ serialization: mostly(fc.record({ method: fc.constant('files'), hash_type: fc.constant('sha256'), allow_symlinks: fc.boolean() }), fc.oneof(serialization, anyJson)), resources: mostly(fc.array(resource, { maxLength: 6 }), anyJson) }),
      fc.record({ serialization: shardSerialization, resources: fc.array(shardResource, { maxLength: 5 }) }),
    ),
    subjects: mostly(fc.constant<string[]>(['honest']), fc.array<string>(fc.constantFrom('honest', 'random', 'no-sha256', 'upper'), { maxLength: 3 })),
    randomRoot: hex(32),
    predicateExtra: mostly(fc.constant(null), fc.dictionary(fc.string({ maxLength: 6 }), anyJson, { minKeys: 1, maxKeys: 2 })),
  })
  .map((g) => {
    const resources = g.body.resources as unknown;
    const digests = Array.isArray(resources) ? resources.filter((r: any) => typeof r?.digest === 'string' && /^([0-9a-f]{2})*$/.test(r.digest)) : [];
    const honest = rootDigestOf(digests as Array<{ digest: string }>);
    const subject = (g.subjects as string[]).map((kind) =>
      kind === 'honest' ? { name: 'm', digest: { sha256: honest } } : kind === 'random' ? { name: 'm', digest: { sha256: g.randomRoot } } : kind === 'upper' ? { name: 'm', digest: { sha256: honest.toUpperCase() } } : { name: 'm', digest: { sha512: honest } },
    );
    return { _type: g.type, subject, predicateType: g.predicateType, predicate: { ...(g.predicateExtra ?? {}), serialization: g.body.serialization, resources } };
  });

/** Byte-level damage to a valid text: flip, delete, insert or duplicate a slice. */
function damaged(valid: Buffer): fc.Arbitrary<Buffer> {
  return fc
    .record({ op: fc.constantFrom('flip', 'delete', 'insert', 'duplicate', 'truncate'), at: fc.nat({ max: valid.length - 1 }), len: fc.integer({ min: 1, max: 64 }), mask: fc.integer({ min: 1, max: 255 }), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) })
    .map(({ op, at, len, mask, bytes }) => {
      const b = Buffer.from(valid);
      if (op === 'flip') {
        b[at] ^= mask;
        return b;
      }
      if (op === 'delete') return Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
      if (op === 'insert') return Buffer.concat([b.subarray(0, at), Buffer.from(bytes), b.subarray(at)]);
      if (op === 'duplicate') return Buffer.concat([b.subarray(0, at + len), b.subarray(at)]);
      return b.subarray(0, at);
    });
}

// ---------- invariants of accepted results ----------

function checkAcceptedOms(oms: ReturnType<typeof parseOmsStatement>): void {
  const m = oms.manifest;
  if (rootDigestOf(m.resources) !== m.rootDigest) throw new Error('accepted a statement whose subject is not the root of its resources');
  const names = new Set<string>();
  for (const r of m.resources) {
    const p = m.serialization.method === 'shards' ? parseShardName(r.name)?.path : r.name;
    if (p === undefined || (p !== '.' && !isSafeRelativePath(p))) throw new Error(`accepted an unsafe resource name ${JSON.stringify(r.name)}`);
    if (names.has(r.name)) throw new Error(`accepted a duplicate resource ${JSON.stringify(r.name)}`);
    names.add(r.name);
    if (!/^[0-9a-f]+$/.test(r.digest)) throw new Error('accepted a malformed digest');
  }
  if (m.resources.length === 0) throw new Error('accepted an empty manifest');
}

// ---------- policies ----------

/** An unknown field, now and then (absent keys are dropped by both serializers). */
const rareExtra = mostly(fc.constant(undefined), anyJson);

const signerName = mostly(fc.constantFrom('publisher', 'release', 'ci', 'ca-root'), fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', '-x', '')));
const keyPath = mostly(fc.constantFrom('fuzz.pub', 'rel.pub', 'rel.key'), fc.oneof(fc.constantFrom('missing.pub', '../fuzz.pub', '/dev/null', '.', ''), fc.string({ maxLength: 6 })));
const regexpish = fc.oneof(fc.constantFrom('^a$', '.*', '(', '[a-', '\\', 'a{2,1}', '(?<n>a)\\k<n>', '\\p{L}+', '(?i)a'), fc.string({ maxLength: 8 }));
const signerArb = fc.oneof(
  fc.record({ keys: mostly(fc.array(keyPath, { minLength: 1, maxLength: 3 }), anyJson) }),
  fc.record({ sigstore: fc.record({ identity: regexpish, issuer: mostly(fc.constant('https://issuer.example'), anyJson), identityRegexp: mostly(fc.boolean(), anyJson), trustedRoot: keyPath }, { requiredKeys: ['identity', 'issuer'] }) }),
  fc.record({ ca: fc.record({ roots: keyPath, intermediates: keyPath }, { requiredKeys: ['roots'] }) }),
  fc.record({ keys: fc.array(keyPath, { minLength: 1, maxLength: 2 }), description: fc.string({ maxLength: 5 }), extra: rareExtra }, { requiredKeys: ['keys'] }),
  anyJson,
);
const refs = mostly(fc.uniqueArray(signerName, { minLength: 1, maxLength: 3 }), anyJson);
const ruleArb = fc.record(
  {
    name: mostly(fc.constantFrom('**', 'adapters/*', 'a?b', 'x'), fc.string({ maxLength: 6 })),
    signers: refs,
    kinds: mostly(fc.uniqueArray(fc.constantFrom('train', 'finetune', 'lora', 'dataset'), { minLength: 1, maxLength: 2 }), anyJson),
    lineage: mostly(fc.constantFrom('required', 'optional', 'none'), anyJson),
    roots: refs,
    maxDepth: fc.oneof(fc.integer({ min: -1, max: 70 }), anyJson),
    maxAgeDays: fc.oneof(fc.integer({ min: -1, max: 400 }), anyJson),
    evals: fc.array(fc.record({ suite: mostly(fc.constant(`sha256:${'ab'.repeat(32)}`), fc.string({ maxLength: 6 })), evaluators: refs }), { maxLength: 1 }),
    extra: rareExtra,
  },
  { requiredKeys: ['name', 'signers'] },
);
const channelArb = fc.record(
  { signers: refs, threshold: mostly(fc.integer({ min: -1, max: 4 }), fc.oneof(fc.double(), fc.string({ maxLength: 2 }))), maxExpiry: mostly(fc.constantFrom('30d', '12h', '90s'), fc.string({ maxLength: 5 })), extra: rareExtra },
  { requiredKeys: ['signers', 'threshold'] },
);
const policyArb = fc.record(
  {
    apiVersion: mostly(fc.constant('modelseal.dev/policy/v1'), fc.oneof(fc.constant('modelseal.dev/policy/v2'), anyJson)),
    signers: mostly(fc.dictionary(signerName, signerArb, { minKeys: 1, maxKeys: 4 }), anyJson),
    artifacts: mostly(fc.array(ruleArb, { maxLength: 3 }), anyJson),
    channels: mostly(fc.dictionary(mostly(fc.constantFrom('prod', 'dev'), fc.string({ maxLength: 4 })), channelArb, { maxKeys: 2 }), anyJson),
    extra: rareExtra,
  },
  { requiredKeys: ['apiVersion', 'signers'] },
);

/** What an accepted policy must hold: every reference defined, every threshold reachable, every regexp compiled. */
function checkAcceptedPolicy(p: Policy): void {
  const known = (names: readonly string[] | undefined, where: string) => {
    for (const n of names ?? []) if (!p.signers.has(n)) throw new Error(`accepted ${where} naming undefined signer ${JSON.stringify(n)}`);
  };
  for (const [name, s] of p.signers) {
    if (s.kind === 'key' && s.keys.length === 0) throw new Error(`accepted key signer ${name} with no keys`);
    if (s.kind === 'sigstore' && s.identityRegexp) new RegExp(s.identity, 'u');
  }
  p.artifacts.forEach((r, i) => {
    known(r.signers, `rule ${i}`);
    known(r.roots, `rule ${i} roots`);
    if (r.lineage === 'required' && !r.roots?.length) throw new Error('accepted lineage: required without roots');
    for (const e of r.evals ?? []) known(e.evaluators, `rule ${i} evaluators`);
  });
  for (const [name, c] of p.channels) {
    known(c.signers, `channel ${name}`);
    const keys = new Set(c.signers.flatMap((n) => {
      const s = p.signers.get(n);
      return s?.kind === 'key' ? s.keys.map((k) => k.hint) : [];
    }));
    if (!Number.isSafeInteger(c.threshold) || c.threshold < 1 || c.threshold > keys.size) throw new Error(`accepted channel ${name} with threshold ${c.threshold} over ${keys.size} keys`);
  }
}

// ---------- release records ----------

const releaseStatementArb = (ctx: FuzzContext) =>
  fc
    .record({
      subject: mostly(
        fc.array(fc.record({ name: mostly(fc.constantFrom('model', 'adapter', 'tok', 'vae', 'unet'), fc.oneof(fc.constantFrom('a/b', '', '..', 'a\nb', 'x'.repeat(256)), fc.string({ maxLength: 6 }))), digest: mostly(fc.record({ sha256: mostly(hex(32), fc.oneof(hex(31), fc.string({ maxLength: 6 }))) }), anyJson) }), { minLength: 1, maxLength: 3 }),
        anyJson,
      ),
      channel: mostly(fc.constantFrom('prod', 'dev', 'a/b'), fc.oneof(fc.constantFrom('', '-x', '../prod'), fc.string({ maxLength: 6 }))),
      version: mostly(fc.integer({ min: -1, max: 100 }), fc.oneof(fc.constantFrom(0, 1.5, '7', 2 ** 53, -0, 1e300), anyJson)),
      expires: mostly(fc.constantFrom('2031-01-01T00:00:00Z', '2031-02-30T00:00:00Z', '9999-99-99T99:99:99Z'), fc.oneof(fc.constantFrom('2031-01-01T00:00:00+02:00', '2031-01-01T00:00:00.5Z', 'tomorrow', ''), fc.string({ maxLength: 8 }))),
      extra: mostly(fc.constant(null), fc.dictionary(fc.string({ maxLength: 5 }), anyJson, { minKeys: 1, maxKeys: 1 })),
      type: mostly(fc.constant(STATEMENT_TYPE_V1), fc.string({ maxLength: 4 })),
      predicateType: mostly(fc.constant(ctx.releaseStatement.predicateType as string), fc.constantFrom(OMS_PREDICATE_TYPE, 'https://slsa.dev/provenance/v1')),
    })
    .map((g) => ({ _type: g.type, subject: g.subject, predicateType: g.predicateType, predicate: { channel: g.channel, version: g.version, expires: g.expires, ...(g.extra ?? {}) } }));

/** What the gate does with a release file before its policy checks: envelope, signatures, payload type, record. */
function readRelease(ctx: FuzzContext, bytes: Buffer): { payload: Buffer; record: ReleaseRecord } {
  const env = parseReleaseEnvelope(parseJson(bytes, 'fuzz.json', 'RELEASE_INVALID', 'the release record'), 'fuzz.json');
  if (verifiedSigners(env, ctx.releaseKeys).length === 0) throw new ModelsealError('SIGNATURE_MISMATCH', 'no trusted signature');
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new ModelsealError('RELEASE_INVALID', 'payloadType');
  return { payload: env.payload, record: parseReleaseStatement(env.payload, 'fuzz.json') };
}

function checkAcceptedRelease(record: ReleaseRecord): void {
  if (!Number.isSafeInteger(record.version) || record.version < 1) throw new Error(`accepted version ${JSON.stringify(record.version)}`);
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$/.test(record.expires) || new Date(record.expires).toISOString() !== record.expires.replace('Z', '.000Z')) throw new Error(`accepted expiry ${JSON.stringify(record.expires)}`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/.test(record.channel)) throw new Error(`accepted channel ${JSON.stringify(record.channel)}`);
  const names = new Set(record.artifacts.map((a) => a.name));
  if (names.size !== record.artifacts.length || record.artifacts.length === 0) throw new Error('accepted duplicate or no artifacts');
  for (const a of record.artifacts) if (!/^[0-9a-f]{64}$/.test(a.digest) || /[/\\\u0000-\u001f]/.test(a.name) || a.name === '') throw new Error(`accepted artifact ${JSON.stringify(a)}`);
}

// ---------- targets ----------

export const TARGETS: FuzzTarget[] = [
  {
    name: 'strict-json agrees with JSON.parse on valid JSON and never accepts invalid JSON',
    runs: 400,
    property: () =>
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v, null, 1).slice(0, 30))), (text) => {
        let reference: { ok: boolean; value?: unknown };
        try {
          reference = { ok: true, value: JSON.parse(text) };
        } catch {
          reference = { ok: false };
        }
        let strict: { ok: boolean; value?: unknown; reason?: string };
        try {
          strict = { ok: true, value: parseStrictJson(text, { code: 'BUNDLE_INVALID', what: 'x' }) };
        } catch (err) {
          if (!(err instanceof ModelsealError)) throw err;
          strict = { ok: false, reason: err.message };
        }
        if (strict.ok && !reference.ok) throw new Error(`strict reader accepted invalid JSON ${JSON.stringify(text)}`);
        if (strict.ok) expectSame(strict.value, reference.value);
        // JSON.parse accepts duplicate keys and any depth; the strict reader may refuse only those.
        if (!strict.ok && reference.ok && !/duplicate key|nesting/.test(strict.reason as string)) throw new Error(`strict reader refused valid JSON ${JSON.stringify(text)}: ${strict.reason}`);
      }),
  },
  {
    name: 'bundle parsing: arbitrary and damaged signature files are parsed or refused',
    runs: 300,
    property: (ctx) =>
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          damaged(ctx.signatureBytes),
          fc
            .record(
              {
                mediaType: fc.oneof(fc.constant('application/vnd.dev.sigstore.bundle.v0.3+json'), anyJson),
                verificationMaterial: fc.oneof(fc.record({ publicKey: fc.record({ hint: fc.oneof(fc.constant(ctx.key.publicKey.hint), anyJson), rawBytes: base64ish }, { requiredKeys: [] }), tlogEntries: fc.oneof(fc.constant([]), anyJson) }, { requiredKeys: [] }), anyJson),
                dsseEnvelope: fc.oneof(
                  fc.record({ payload: base64ish, payloadType: fc.oneof(fc.constant('application/vnd.in-toto+json'), anyJson), signatures: fc.oneof(fc.array(fc.record({ sig: base64ish, keyid: fc.oneof(fc.constant(''), anyJson) }, { requiredKeys: [] }), { maxLength: 3 }), anyJson) }, { requiredKeys: [] }),
                  anyJson,
                ),
                messageSignature: anyJson,
              },
              { requiredKeys: [] },
            )
            .map((o) => Buffer.from(JSON.stringify(o))),
          // Generated statements under a REAL signature, intact or damaged, reach every check.
          statementArb.map((st) => Buffer.from(JSON.stringify(bundleObject(st, ctx.key)))),
          statementArb.chain((st) => damaged(Buffer.from(JSON.stringify(bundleObject(st, ctx.key))))),
        ),
        async (bytes) => {
          const keyInfo = ctx.key.publicKey;
          const r = await outcome(() => {
            const bundle = parseBundle(parseJson(bytes, 'fuzz.sig', 'BUNDLE_INVALID', 'the signature file'), 'fuzz.sig');
            verifyEnvelope(bundle.envelope, [keyInfo], undefined, 'fuzz.sig');
            return parseOmsStatement(parseStatement(bundle.envelope.payload, 'fuzz.sig'), 'fuzz.sig');
          });
          if (r.ok) checkAcceptedOms(r.value);
        },
      ),
  },
  {
    name: 'statement/predicate parsing: generated statements are accepted only when sound',
    runs: 500,
    property: () =>
      fc.asyncProperty(mostly(statementArb.map((s) => Buffer.from(JSON.stringify(s, null, 2))), statementArb.chain((s) => damaged(Buffer.from(JSON.stringify(s))))), async (payload) => {
        const r = await outcome(() => parseOmsStatement(parseStatement(payload, 'fuzz'), 'fuzz'));
        if (r.ok) checkAcceptedOms(r.value);
      }),
  },
  {
    name: 'manifest to root digest: a changed resource list is accepted only if its digest sequence is unchanged',
    runs: 300,
    property: () =>
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ name: fc.constantFrom('a', 'b', 'c/d', 'c/e', 'f.bin', 'g h', 'ü'), digest: fc.oneof(hex(32), fc.constant('00'.repeat(32))) }), { minLength: 1, maxLength: 6, selector: (r) => r.name }),
        fc.constantFrom('none', 'swap', 'reverse', 'change', 'drop', 'duplicate', 'append'),
        fc.nat(),
        fc.nat(),
        hex(32),
        async (list, edit, i0, j0, fresh) => {
          const original: Array<{ name: string; algorithm: string; digest: string }> = list.map((r) => ({ name: r.name, algorithm: 'sha256', digest: r.digest }));
          const root = rootDigestOf(original);
          const edited = original.map((r) => ({ ...r }));
          const i = i0 % edited.length;
          const j = j0 % edited.length;
          if (edit === 'swap') [edited[i].name, edited[j].name] = [edited[j].name, edited[i].name];
          if (edit === 'reverse') edited.reverse();
          if (edit === 'change') edited[i].digest = fresh;
          if (edit === 'drop') edited.splice(i, 1);
          if (edit === 'duplicate') edited.push({ ...edited[i] });
          if (edit === 'append') edited.push({ name: 'zz', algorithm: 'sha256', digest: fresh });
          const statement = { _type: STATEMENT_TYPE_V1, subject: [{ name: 'm', digest: { sha256: root } }], predicateType: OMS_PREDICATE_TYPE, predicate: { serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false }, resources: edited } };
          const r = await outcome(() => parseOmsStatement(parseStatement(Buffer.from(JSON.stringify(statement)), 'fuzz'), 'fuzz'));
          const sameSequence = edited.map((e) => e.digest).join() === original.map((o) => o.digest).join();
          if (r.ok !== sameSequence) throw new Error(`${r.ok ? 'accepted' : 'refused'} an edit (${edit}) that ${sameSequence ? 'keeps' : 'changes'} the digest sequence`);
          if (r.ok) checkAcceptedOms(r.value);
        },
      ),
  },
  {
    name: 'policy loader: generated YAML/JSON policies and damaged valid ones are loaded soundly or refused',
    runs: 300,
    property: (ctx) =>
      fc.property(
        fc.oneof(
          policyArb.map((p) => Buffer.from(JSON.stringify(p))),
          policyArb.map((p) => Buffer.from(yamlStringify(p))),
          damaged(ctx.policyBytes),
          fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)),
        ),
        (bytes) => {
          const file = path.join(ctx.policyDir, 'policy.yaml');
          let r: Outcome<Policy>;
          try {
            r = { ok: true, value: parsePolicy(decodePolicy(bytes, file), file) };
          } catch (err) {
            if (!(err instanceof ModelsealError) || !KNOWN_CODES.has(err.code) || err.message.includes('\n')) throw err;
            r = { ok: false, error: err };
          }
          if (r.ok) checkAcceptedPolicy(r.value);
        },
      ),
  },
  {
    name: 'release records: damaged signed records verify only as signed; generated signed records parse soundly or are refused',
    runs: 300,
    property: (ctx) =>
      fc.property(
        fc.oneof(
          damaged(ctx.releaseBytes).map((bytes) => ({ bytes, original: true })),
          releaseStatementArb(ctx).map((st) => ({ bytes: Buffer.from(serializeReleaseEnvelope(signReleaseStatement(st as any, ctx.releaseSigner))), original: false })),
          releaseStatementArb(ctx).chain((st) => damaged(Buffer.from(serializeReleaseEnvelope(signReleaseStatement(st as any, ctx.releaseSigner))))).map((bytes) => ({ bytes, original: false })),
        ),
        ({ bytes, original }) => {
          let r: Outcome<{ payload: Buffer; record: ReleaseRecord }>;
          try {
            r = { ok: true, value: readRelease(ctx, bytes) };
          } catch (err) {
            if (!(err instanceof ModelsealError) || !KNOWN_CODES.has(err.code) || err.message.includes('\n')) throw err;
            r = { ok: false, error: err };
          }
          if (!r.ok) return;
          checkAcceptedRelease(r.value.record);
          // A damaged copy of the real record can only verify as the real record.
          if (original && JSON.stringify(r.value.record) !== JSON.stringify(ctx.releaseRecord)) throw new Error(`a damaged record verified as ${JSON.stringify(r.value.record)}`);
        },
      ),
  },
  {
    name: 'mutation: a model.sig with any byte changed never verifies something else',
    runs: 200,
    property: (ctx) =>
      fc.asyncProperty(fc.nat({ max: ctx.signatureBytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
        await checkMutation(ctx, at, mask);
      }),
  },
];

/** Flips one byte of the real model.sig and verifies the real model with it. */
export async function checkMutation(ctx: FuzzContext, at: number, mask: number): Promise<'refused' | 'same-content'> {
  const bytes = Buffer.from(ctx.signatureBytes);
  bytes[at] ^= mask;
  const file = `${ctx.signature}.${process.pid}.mut`;
  fs.writeFileSync(file, bytes);
  const r = await outcome(() => verifyArtifact(ctx.root, { keys: ctx.keyPub, signature: file }));
  if (!r.ok) return 'refused';
  // DSSE accepts both base64 alphabets, so "+" <-> "-" in a value with no other "+", "/", "-", "_"
  // re-encodes the same bytes. That is the only way a changed file may still verify: the
  // decoded envelope must be byte-identical to the original.
  const a = JSON.parse(ctx.signatureBytes.toString()).dsseEnvelope;
  const b = JSON.parse(bytes.toString()).dsseEnvelope;
  const same = (x: unknown, y: unknown) => decodeBase64(x)?.equals(decodeBase64(y) as Buffer) === true;
  if (!(a.payloadType === b.payloadType && same(a.payload, b.payload) && same(a.signatures[0].sig, b.signatures[0].sig))) {
    throw new Error(`flipping byte ${at} with mask ${mask} still verified with different content`);
  }
  return 'same-content';
}

function expectSame(a: unknown, b: unknown): void {
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  if (ja !== jb || Object.is(a, -0) !== Object.is(b, -0)) throw new Error(`strict reader read ${ja}, JSON.parse read ${jb}`);
}
