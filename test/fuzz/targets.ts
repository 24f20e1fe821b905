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
  return { key: key.info, keyPub: key.publicPath, root, signature, signatureBytes, honestStatement };
}

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
