import * as fs from 'node:fs';
import * as path from 'node:path';
import { hashRanges } from '../../src/digest/hash-file';
import { rootDigestOf } from '../../src/digest/manifest';
import { ModelsealError } from '../../src/errors';
import { cli } from '../helpers/cli';
import { makeKey, statementFor, writeBundle } from '../helpers/hostile';
import { tmpDir, writeTree } from '../helpers/tmp';

/** Any character a terminal acts on or hides, except the newline that ends each line. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;
const FORGED = 'x\r\x1b[32mVerified ./model: signed by meta\x1b[0m\u0085\u009b2J\u2028\u2029\u202esrosnetefas.pkl\u2066\u200b';

const work = tmpDir('modelseal-names-');
const key = makeKey(work, 'k');

describe('file names at sign: unsafe and colliding names are refused (issue 15)', () => {
  it.each([
    ['long s collides with s', ['model.safetensors', 'model.safetenſors']],
    ['dotless ı collides with i (NTFS)', ['config.json', 'confıg.json']],
    ['C1 control', ['a\u0085b.bin']],
    ['CSI', ['a\u009b2Jb.bin']],
    ['line separator', ['a\u2028b.bin']],
    ['bidi override', ['model\u202esrosnetefas.pkl']],
    ['isolate', ['a\u2066b.bin']],
    ['zero-width joiner', ['a\u200db.bin']],
    ['carriage return and ANSI', ['a\r\x1b[32mb.bin']],
  ])('%s', (_why, names) => {
    const dir = writeTree(tmpDir(), Object.fromEntries(names.map((n, i) => [n, `content ${i}`])));
    const r = cli(['sign', dir, '--key', key.privatePath]);
    expect(r.stderr).toMatch(/\[UNSUPPORTED_NAME\]\n$/);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(RAW);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(fs.existsSync(path.join(dir, 'model.sig'))).toBe(false);
  });
});

describe('the subject name we write at sign (the artifact folder\'s own name)', () => {
  it('is refused when it holds a bidi override or control', () => {
    const dir = writeTree(path.join(tmpDir(), 'model\u202esrosnetefas\r'), { 'weights.bin': 'w' });
    const r = cli(['sign', dir, '--key', key.privatePath]);
    expect(r.stderr).toMatch(/artifact's name .*\[UNSUPPORTED_NAME\]\n$/);
    expect(r.stderr).not.toMatch(RAW);
    expect(fs.existsSync(path.join(dir, 'model.sig'))).toBe(false);
  });
});

describe('file names at verify: a signature naming such a file is refused (issue 15)', () => {
  it.each([
    ['bidi override', 'model\u202esrosnetefas.pkl'],
    ['case-fold collision', 'MODEL.SAFETENSORS'],
    ['C1 control', 'a\u0085b'],
  ])('%s', async (_why, name) => {
    const dir = writeTree(tmpDir(), { 'model.safetensors': 'weights' });
    const st = await statementFor(dir);
    st.predicate.resources.push({ ...st.predicate.resources[0], name });
    st.subject[0].digest.sha256 = rootDigestOf(st.predicate.resources);
    const sig = writeBundle(path.join(tmpDir(), 'model.sig'), st, key.info);
    const r = cli(['verify', dir, '--key', key.publicPath, '--signature', sig]);
    expect(r.stderr).toMatch(/\[MANIFEST_INVALID\]\n$/);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(RAW);
  });
});

describe('errors never grow with the input (issue 15)', () => {
  it('a 20 MB mediaType gives a one-line error under 1 KB, in bounded memory', () => {
    const dir = writeTree(tmpDir(), { 'model.safetensors': 'weights' });
    const sig = path.join(tmpDir(), 'model.sig');
    fs.writeFileSync(sig, JSON.stringify({ mediaType: 'x'.repeat(20 * 1024 * 1024) + FORGED, verificationMaterial: {}, dsseEnvelope: {} }));
    for (const json of [false, true]) {
      const r = cli(['verify', dir, '--key', key.publicPath, '--signature', sig, ...(json ? ['--json'] : [])], { env: { NODE_OPTIONS: '--max-old-space-size=160' } });
      expect(r.status).toBe(1);
      const out = json ? r.stdout : r.stderr;
      expect(Buffer.byteLength(out)).toBeLessThan(1024);
      expect(out).not.toMatch(RAW);
      if (json) expect(r.json.error.code).toBe('BUNDLE_INVALID');
      else expect(r.stderr).toMatch(/\[BUNDLE_INVALID\]\n$/);
    }
  }, 60_000);

  it('a COSE message with a million unprotected labels is refused quickly with a short message', () => {
    const dir = writeTree(tmpDir(), { 'model.safetensors': 'weights' });
    const n = 1_000_000;
    // [tag 18] [protected bstr {1: -8}] [unprotected map of n int labels -> 0] [payload] [signature]
    const parts: Buffer[] = [Buffer.from([0xd2, 0x84, 0x43, 0xa1, 0x01, 0x27, 0xba]), Buffer.alloc(4)];
    parts[1].writeUInt32BE(n);
    const body = Buffer.alloc(n * 6);
    for (let i = 0; i < n; i++) {
      body[i * 6] = 0x1a; // uint32 label
      body.writeUInt32BE(0x10000 + i, i * 6 + 1);
      body[i * 6 + 5] = 0x00;
    }
    const cose = path.join(tmpDir(), 'model.cose');
    fs.writeFileSync(cose, Buffer.concat([...parts, body, Buffer.from([0x41, 0x7b, 0x41, 0x00])]));
    const t0 = Date.now();
    const r = cli(['verify', dir, '--key', key.publicPath, '--signature', cose], { env: { NODE_OPTIONS: '--max-old-space-size=160' } });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.stderr).toMatch(/\[BUNDLE_INVALID\]\n$/);
    expect(Buffer.byteLength(r.stderr)).toBeLessThan(1024);
  }, 60_000);
});

describe('files changing while hashed (issue 15)', () => {
  it('a same-size rewrite with the mtime put back is FILE_CHANGED (ctime moved)', () => {
    const file = path.join(tmpDir(), 'w.bin');
    fs.writeFileSync(file, Buffer.alloc(4 * 1024 * 1024, 1));
    fs.utimesSync(file, 1_700_000_000, 1_700_000_000); // whole seconds: restorable exactly
    const before = fs.statSync(file);
    let done = false;
    const rewrite = () => {
      if (done) return;
      done = true;
      fs.writeFileSync(file, Buffer.alloc(4 * 1024 * 1024, 2));
      fs.utimesSync(file, 1_700_000_000, 1_700_000_000);
    };
    let err: unknown;
    try {
      hashRanges(file, 'sha256', 'whole', { onBytes: rewrite });
    } catch (e) {
      err = e;
    }
    expect(fs.statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect((err as ModelsealError)?.code).toBe('FILE_CHANGED');
  });

  it('a file replaced by a rename while hashed is FILE_CHANGED (inode)', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'w.bin');
    fs.writeFileSync(file, Buffer.alloc(1024 * 1024, 1));
    let done = false;
    let err: unknown;
    try {
      hashRanges(file, 'sha256', 'whole', {
        onBytes: () => {
          if (done) return;
          done = true;
          fs.writeFileSync(path.join(dir, 'new'), Buffer.alloc(1024 * 1024, 1));
          fs.renameSync(path.join(dir, 'new'), file);
        },
      });
    } catch (e) {
      err = e;
    }
    expect((err as ModelsealError)?.code).toBe('FILE_CHANGED');
  });
});

describe('no command prints a raw control or bidi character from an input (issue 15)', () => {
  // An artifact folder whose own name forges a line, holding files with hostile names.
  const evil = path.join(work, FORGED);
  fs.mkdirSync(evil, { recursive: true });
  writeTree(evil, { [`w${FORGED}.bin`]: 'weights', 'model.safetensors': 'x' });
  const commands = Object.keys(JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'oclif.manifest.json'), 'utf8')).commands).map((id) => id.split(':'));
  const hostileArgs = [evil, '--key', path.join(evil, 'k.pub'), '--signature', path.join(evil, 'model.sig'), '--policy', path.join(evil, 'p.yaml'), '--name', `meta-llama\u2215${FORGED}`];

  it.each(commands.map((c) => [c.join(' '), c]))('modelseal %s', (_title, words) => {
    for (const extra of [[], ['--json']]) {
      const r = cli([...(words as string[]), ...hostileArgs, ...extra], { cwd: work });
      expect(r.stdout).not.toMatch(RAW);
      expect(r.stderr).not.toMatch(RAW);
      expect(r.status).not.toBe(0);
    }
    const name = cli(['lock', 'check-name', `meta-llama\u2215${FORGED}`], { cwd: work });
    expect(name.stdout + name.stderr).not.toMatch(RAW);
  });
});

describe('slash look-alikes and forged lines through verify --policy and lock check-name (issue 15)', () => {
  const dir = tmpDir();
  const meta = makeKey(dir, 'meta');
  const community = makeKey(dir, 'community');
  fs.writeFileSync(
    path.join(dir, 'policy.yaml'),
    ['apiVersion: modelseal.dev/policy/v1', 'signers:', '  meta: { keys: [meta.pub] }', '  community: { keys: [community.pub] }', 'artifacts:', '  - name: "meta-llama/*"', '    signers: [meta]', '  - name: "**"', '    signers: [community]', ''].join('\n'),
  );
  const model = writeTree(path.join(dir, 'model'), { 'model.safetensors': 'weights' });
  beforeAll(() => {
    expect(cli(['sign', model, '--key', community.privatePath]).status).toBe(0);
  });

  it.each(['\u2215', '\u2044', '\uff0f'])('a community-signed "meta-llama%sLlama-2-7b-hf" is NEAR_NAME, not accepted by the catch-all', (slash) => {
    const name = `meta-llama${slash}Llama-2-7b-hf`;
    const r = cli(['verify', model, '--policy', path.join(dir, 'policy.yaml'), '--name', name], { cwd: dir });
    expect(r.stderr).toMatch(/\[NEAR_NAME\]\n$/);
    expect(r.status).toBe(1);
    const check = cli(['lock', 'check-name', name, '--policy', path.join(dir, 'policy.yaml')], { cwd: dir });
    expect(check.status).toBe(1);
    expect(check.stdout + check.stderr).toContain('meta-llama/*');
  });

  it('a name that forges a "Verified … signed by meta" line is printed escaped, on one line', () => {
    const name = `x\r\x1b[2KVerified ${model}: signed by meta\u2028\u202e`;
    const r = cli(['verify', model, '--policy', path.join(dir, 'policy.yaml'), '--name', name], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout).toContain('\\r\\u001b[2KVerified');
    const json = cli(['verify', model, '--policy', path.join(dir, 'policy.yaml'), '--name', name, '--json'], { cwd: dir });
    expect(json.stdout).not.toMatch(RAW);
    expect(JSON.stringify(json.json)).toContain(JSON.stringify(name).slice(1, -1)); // the exact value, JSON-escaped
  });
});
