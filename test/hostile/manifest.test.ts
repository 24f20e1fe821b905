/**
 * Hostile manifests inside a signature: every bundle here carries a VALID signature by
 * the trusted key, so the statement and manifest checks themselves must refuse.
 */
import * as path from 'node:path';
import type { ErrorCode } from '../../src/errors';
import { rootDigestOf } from '../../src/digest/manifest';
import { verifyArtifact } from '../../src/verify/verify-artifact';
import { cliOnTree, expectCliRefusal, expectCode, hostile, makeKey, statementFor, writeBundle, type TestKey } from '../helpers/hostile';
import { snapshotTree, tmpDir, writeTree } from '../helpers/tmp';

let key: TestKey;
let root: string;
let honest: any;
let shardRoot: string;
let shardHonest: any;

beforeAll(async () => {
  key = makeKey(tmpDir(), 'publisher');
  root = writeTree(tmpDir(), { 'weights.bin': 'weights', 'config.json': '{}', 'sub/tok.json': 'tok' });
  honest = await statementFor(root);
  shardRoot = writeTree(tmpDir(), { 'w.bin': '0123456789abcdefghij' }); // 20 bytes, 8-byte shards
  shardHonest = await statementFor(shardRoot, { method: 'shards', shardSize: 8 });
});

const clone = (s: unknown): any => JSON.parse(JSON.stringify(s));
/** Recomputes the subject so that only the manifest problem under test remains. */
function resubject(s: any): any {
  s.subject[0].digest.sha256 = rootDigestOf(s.predicate.resources.filter((r: any) => typeof r?.digest === 'string' && /^[0-9a-f]*$/.test(r.digest) && r.digest.length % 2 === 0));
  return s;
}

async function expectRefusedStatement(statement: unknown, code: ErrorCode, exit: number, tree = root): Promise<void> {
  const signature = writeBundle(path.join(tmpDir(), 'model.sig'), statement, key.info);
  const before = snapshotTree(tree);
  await expectCode(() => verifyArtifact(tree, { keys: key.publicPath, signature }), code, exit);
  expect(snapshotTree(tree)).toEqual(before);
}

const withName = (name: string) => {
  const s = clone(honest);
  s.predicate.resources[0].name = name;
  return resubject(s);
};

describe('resource names', () => {
  hostile('M-01', 'a resource name with ".." is refused', () => expectRefusedStatement(withName('../../etc/passwd'), 'MANIFEST_INVALID', 1));
  hostile('M-02', 'a resource name with a leading "/" is refused', () => expectRefusedStatement(withName('/etc/passwd'), 'MANIFEST_INVALID', 1));
  hostile('M-03', 'a resource name starting with "./" is refused', () => expectRefusedStatement(withName('./config.json'), 'MANIFEST_INVALID', 1));
  hostile('M-04', 'a resource name with an empty segment is refused', () => expectRefusedStatement(withName('sub//tok.json'), 'MANIFEST_INVALID', 1));
  hostile('M-05', 'a resource name with a backslash is refused', () => expectRefusedStatement(withName('sub\\tok.json'), 'MANIFEST_INVALID', 1));
  hostile('M-06', 'a resource name with a NUL byte is refused', () => expectRefusedStatement(withName('config.json\u0000.txt'), 'MANIFEST_INVALID', 1));

  hostile('M-07', 'a resource listed twice is refused', () => {
    const s = clone(honest);
    s.predicate.resources.push(clone(s.predicate.resources[0]));
    return expectRefusedStatement(resubject(s), 'MANIFEST_INVALID', 1);
  });

  hostile('M-08', 'a resource listed twice with different digests is refused', () => {
    const s = clone(honest);
    s.predicate.resources.push({ ...s.predicate.resources[0], digest: 'ab'.repeat(32) });
    return expectRefusedStatement(resubject(s), 'MANIFEST_INVALID', 1);
  });
});

describe('digests and algorithms', () => {
  const withDigest = (digest: string) => {
    const s = clone(honest);
    s.predicate.resources[0].digest = digest;
    return resubject(s);
  };
  hostile('M-09', 'a digest of the wrong length is refused', () => expectRefusedStatement(withDigest('ab'.repeat(20)), 'MANIFEST_INVALID', 1));
  hostile('M-10', 'a non-hex digest is refused', () => expectRefusedStatement(withDigest('zz'.repeat(32)), 'MANIFEST_INVALID', 1));
  hostile('M-11', 'an upper-case hex digest is refused (one digest, one spelling)', () => expectRefusedStatement(withDigest('AB'.repeat(32)), 'MANIFEST_INVALID', 1));

  hostile('M-12', 'an unknown hash algorithm is refused', () => {
    const s = clone(honest);
    s.predicate.serialization.hash_type = 'md5';
    return expectRefusedStatement(s, 'UNSUPPORTED_ALGORITHM', 1);
  });

  hostile('M-13', 'a resource algorithm that differs from hash_type is refused', () => {
    const s = clone(honest);
    s.predicate.resources[1].algorithm = 'blake2b';
    return expectRefusedStatement(s, 'MANIFEST_INVALID', 1);
  });

  hostile('M-14', 'resources in an order that does not match the root digest are refused', () => {
    const s = clone(honest);
    s.predicate.resources.reverse();
    return expectRefusedStatement(s, 'DIGEST_MISMATCH', 1);
  });

  hostile('M-15', 'a subject that is not the recomputed root is refused', () => {
    const s = clone(honest);
    s.subject[0].digest.sha256 = 'cd'.repeat(32);
    return expectRefusedStatement(s, 'DIGEST_MISMATCH', 1);
  });

  hostile('M-16', 'a statement with zero subjects is refused', () => {
    const s = clone(honest);
    s.subject = [];
    return expectRefusedStatement(s, 'STATEMENT_INVALID', 1);
  });

  hostile('M-17', 'a statement with two subjects is refused', () => {
    const s = clone(honest);
    s.subject.push({ name: 'other-model', digest: { sha256: 'ef'.repeat(32) } });
    return expectRefusedStatement(s, 'STATEMENT_INVALID', 1);
  });

  hostile('M-18', 'a subject without a sha256 digest is refused', () => {
    const s = clone(honest);
    s.subject[0].digest = { sha512: 'ab'.repeat(64) };
    return expectRefusedStatement(s, 'STATEMENT_INVALID', 1);
  });

  hostile('M-19', 'an empty resource list is refused (nothing would be signed)', () => {
    const s = clone(honest);
    s.predicate.resources = [];
    return expectRefusedStatement(resubject(s), 'MANIFEST_INVALID', 1);
  });
});

describe('serialization', () => {
  const withSerialization = (patch: Record<string, unknown>, base = honest) => {
    const s = clone(base);
    Object.assign(s.predicate.serialization, patch);
    return s;
  };
  const shard = (patch: Record<string, unknown>) => withSerialization(patch, shardHonest);

  hostile('M-20', 'shard_size zero is refused', () => expectRefusedStatement(shard({ shard_size: 0 }), 'MANIFEST_INVALID', 1, shardRoot));
  hostile('M-21', 'a negative shard_size is refused', () => expectRefusedStatement(shard({ shard_size: -8 }), 'MANIFEST_INVALID', 1, shardRoot));
  hostile('M-22', 'a shard_size that is not a number is refused', () => expectRefusedStatement(shard({ shard_size: '8' }), 'MANIFEST_INVALID', 1, shardRoot));
  hostile('M-23', 'a fractional shard_size is refused', () => expectRefusedStatement(shard({ shard_size: 8.5 }), 'MANIFEST_INVALID', 1, shardRoot));

  hostile('M-24', 'overlapping shards are refused', () => {
    const s = clone(shardHonest);
    s.predicate.resources[1].name = 'w.bin:4:16';
    return expectRefusedStatement(resubject(s), 'MANIFEST_INVALID', 1, shardRoot);
  });

  hostile('M-25', 'shards that leave a gap are refused', () => {
    const s = clone(shardHonest);
    s.predicate.resources.splice(1, 1);
    return expectRefusedStatement(resubject(s), 'MANIFEST_INVALID', 1, shardRoot);
  });

  hostile('M-26', 'an unknown serialization method is refused', () => expectRefusedStatement(withSerialization({ method: 'chunks' }), 'MANIFEST_INVALID', 1));
  hostile('M-27', 'an unknown serialization field is refused', () => expectRefusedStatement(withSerialization({ follow_mounts: true }), 'MANIFEST_INVALID', 1));
  hostile('M-28', 'allow_symlinks that is not a boolean is refused', () => expectRefusedStatement(withSerialization({ allow_symlinks: 'yes' }), 'MANIFEST_INVALID', 1));
  hostile('M-29', 'ignore_paths escaping the root is refused', () => expectRefusedStatement(withSerialization({ ignore_paths: ['../outside'] }), 'MANIFEST_INVALID', 1));

  hostile('M-30', 'an unknown predicate field in a v1.0 predicate is refused', () => {
    const s = clone(honest);
    s.predicate.loader = { module: 'pickle', entry: 'os.system' };
    return expectRefusedStatement(s, 'MANIFEST_INVALID', 1);
  });
});

describe('names no tree can hold', () => {
  hostile('M-34', 'a name with an unpaired surrogate is refused, not read as U+FFFD (the file on disk)', async () => {
    const tree = writeTree(tmpDir(), { '\ufffd.bin': 'x' });
    const s = await statementFor(tree);
    expect(s.predicate.resources[0].name).toBe('\ufffd.bin');
    s.predicate.resources[0].name = '\udcff.bin'; // what Python's surrogateescape gives for a raw 0xFF byte
    await expectRefusedStatement(s, 'MANIFEST_INVALID', 1, tree);
  });

  hostile('M-35', 'a name listed both as a file and as a folder is refused', () => {
    const s = clone(honest);
    s.predicate.resources.push({ ...clone(s.predicate.resources[0]), name: 'sub/tok.json/inner' });
    s.predicate.resources.sort((a: any, b: any) => (a.name < b.name ? -1 : 1));
    return expectRefusedStatement(resubject(s), 'MANIFEST_INVALID', 1);
  });
});

describe('lists no reader can hold', () => {
  hostile('M-36', 'more than 256 distinct resource algorithms are refused as a manifest problem, not a crash', () => {
    const s = clone(honest);
    for (let i = 0; i < 300; i++) s.predicate.resources.push({ name: `x${i}.bin`, algorithm: `alg-${i}`, digest: 'ab'.repeat(32) });
    return expectRefusedStatement(resubject(s), 'MANIFEST_INVALID', 1);
  });

  hostile('M-37', 'a resource under the signature\'s own ignore_paths is refused (no folder can give it)', () => {
    const s = clone(honest);
    s.predicate.serialization.ignore_paths = [...(s.predicate.serialization.ignore_paths ?? []), 'sub'];
    return expectRefusedStatement(s, 'MANIFEST_INVALID', 1);
  });
});

describe('through the CLI', () => {
  hostile('M-31', 'the CLI refuses a hostile manifest with exit 1 and one line', () => {
    const signature = writeBundle(path.join(tmpDir(), 'model.sig'), withName('../../etc/passwd'), key.info);
    expectCliRefusal(cliOnTree(root, ['verify', root, '--key', key.publicPath, '--signature', signature]), 'MANIFEST_INVALID', 1);
  });

  hostile('M-32', 'the CLI refuses a subject that is not the root with exit 1', () => {
    const s = clone(honest);
    s.subject[0].digest.sha256 = 'cd'.repeat(32);
    const signature = writeBundle(path.join(tmpDir(), 'model.sig'), s, key.info);
    expectCliRefusal(cliOnTree(root, ['verify', root, '--key', key.publicPath, '--signature', signature]), 'DIGEST_MISMATCH', 1);
  });

  hostile('M-33', 'a valid manifest of a different model (signed by the same publisher) is refused', async () => {
    const other = writeTree(tmpDir(), { 'weights.bin': 'other weights', 'config.json': '{}', 'sub/tok.json': 'tok' });
    const signature = writeBundle(path.join(tmpDir(), 'model.sig'), await statementFor(other), key.info);
    expectCliRefusal(cliOnTree(root, ['verify', root, '--key', key.publicPath, '--signature', signature]), 'ARTIFACT_MISMATCH', 1);
  });
});
