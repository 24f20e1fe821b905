import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';
import { describeWithVectors, VECTORS } from './helpers/vectors';

// model_signing's own command lines (its README and its scripts/tests verification scripts),
// written here with `model_signing` replaced by `modelseal`: they must run and mean the same.
// The lines are our own transcription; the signed models are the shared vectors, laid out as
// the scripts expect (the scripts run from scripts/tests/).

const TESTS = path.join(VECTORS, 'model-transparency', 'scripts', 'tests');
const ms = (line: string[], cwd: string = TESTS) => cli(line, { cwd });
const signedFiles = (sig: string): string[] => {
  const bundle = JSON.parse(fs.readFileSync(sig, 'utf8'));
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
  return statement.predicate.resources.map((r: { name: string }) => r.name).sort();
};

describeWithVectors('model_signing verification scripts, run as modelseal', () => {
  const ID = ['--identity', 'stefanb@us.ibm.com', '--identity_provider', 'https://sigstore.verify.ibm.com/oauth2'];

  for (const v of ['v0.3.1', 'v1.0.0', 'v1.0.1', 'v1.1.0']) {
    const ignore = v === 'v1.0.1' || v === 'v1.1.0' ? ['--ignore-paths', `./${v}-certificate/ignore-me`] : [];
    it(`${v}: verify certificate --certificate_chain ca-cert.pem`, () => {
      const r = ms(['verify', 'certificate', ...ignore, '--signature', `./${v}-certificate/model.sig`, '--certificate_chain', './keys/certificate/ca-cert.pem', `./${v}-certificate/`]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });

    const keyModel = v === 'v1.0.1' || v === 'v1.1.0' ? `./${v}-elliptic-key` : `./${v}-elliptic-key/signme-1`;
    const keyIgnore = v === 'v1.0.1' || v === 'v1.1.0' ? ['--ignore-paths', `./${v}-elliptic-key/ignore-me`] : [];
    it(`${v}: verify key --public_key signing-key-pub.pem`, () => {
      const r = ms(['verify', 'key', ...keyIgnore, '--signature', `./${v}-elliptic-key/model.sig`, '--public_key', './keys/certificate/signing-key-pub.pem', keyModel]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });

    const sigIgnore = v === 'v1.0.1' || v === 'v1.1.0' ? ['--ignore-paths', `./${v}-sigstore/ignore-me`] : [];
    it(`${v}: verify sigstore --identity --identity_provider, from the scripts folder and from inside the model`, () => {
      let r = ms(['verify', 'sigstore', ...ID, ...sigIgnore, '--signature', `./${v}-sigstore/model.sig`, `./${v}-sigstore/`]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const inside = v === 'v1.0.1' || v === 'v1.1.0' ? ['--ignore-paths', 'ignore-me'] : [];
      r = ms(['verify', 'sigstore', ...ID, ...inside, '--signature', 'model.sig', '.'], path.join(TESTS, `${v}-sigstore`));
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }

  it('cosign spellings verify a keyless model_signing signature (and a non-matching pattern is refused)', () => {
    const base = ['verify', './v1.1.0-sigstore/', '--bundle', './v1.1.0-sigstore/model.sig', '--ignore-paths', './v1.1.0-sigstore/ignore-me', '--offline'];
    expect(ms([...base, '--certificate-identity', 'stefanb@us.ibm.com', '--certificate-oidc-issuer', 'https://sigstore.verify.ibm.com/oauth2']).status).toBe(0);
    expect(ms([...base, '--certificate-identity-regexp', '[a-z]+@us\\.ibm\\.com', '--certificate-oidc-issuer-regexp', 'https://sigstore\\.verify\\.ibm\\.com/.*']).status).toBe(0);
    expect(ms([...base, '--certificate-identity', 'stefanb@us.ibm.com', '--certificate-oidc-issuer-regexp', 'https://accounts\\.google\\.com']).status).toBe(1);
    expect(ms([...base, '--certificate-identity-regexp', 'stefanb', '--certificate-oidc-issuer', 'https://sigstore.verify.ibm.com/oauth2']).status).toBe(1);
  });

  it('v0.2.0: verify certificate (legacy encoding)', () => {
    const r = ms(['verify', 'certificate', '--signature', './v0.2.0-certificate/model.sig', '--certificate_chain', './keys/certificate/ca-cert.pem', './v0.2.0-certificate/']);
    expect(r.status).toBe(0);
  });

  it('the method word means what it says: a key is not a certificate chain, a wrong identity is refused', () => {
    const wrongMethod = ms(['verify', 'certificate', '--signature', './v1.1.0-elliptic-key/model.sig', '--public_key', './keys/certificate/signing-key-pub.pem', './v1.1.0-elliptic-key']);
    expect(wrongMethod.status).toBe(2);
    expect(wrongMethod.stderr).toMatch(/verify certificate: needs --certificate-chain/);
    const wrongId = ms(['verify', 'sigstore', '--identity', 'mallory@example.com', '--identity_provider', 'https://sigstore.verify.ibm.com/oauth2', '--signature', './v1.1.0-sigstore/model.sig', './v1.1.0-sigstore/']);
    expect(wrongId.status).toBe(1);
    // The key method with the certificate signature: refused, not accepted by a looser path.
    const keyOnCert = ms(['verify', 'key', '--signature', './v1.1.0-certificate/model.sig', '--public_key', './keys/certificate/signing-key-pub.pem', './v1.1.0-certificate/']);
    expect(keyOnCert.status).toBe(1);
  });

  describe('test-sign-verify.sh: sign and verify with the scripts\' keys', () => {
    const model = () => writeTree(tmpDir(), { 'signme-1': 'signme-1\n', 'signme-2': 'signme-2\n', ignore: 'ignore\n' });

    it('sign key / verify key with an absolute --ignore-paths and --signature outside the model', () => {
      const m = model();
      const sig = path.join(tmpDir(), 'model.sig');
      let r = ms(['sign', 'key', '--signature', sig, '--private_key', './keys/certificate/signing-key.pem', '--ignore-paths', path.join(m, 'ignore'), m]);
      expect(r.status).toBe(0);
      r = ms(['verify', 'key', '--signature', sig, '--public_key', './keys/certificate/signing-key-pub.pem', '--ignore-paths', path.join(m, 'ignore'), m]);
      expect(r.status).toBe(0);
      expect(signedFiles(sig)).toEqual(['signme-1', 'signme-2']);
    });

    it('sign certificate / verify certificate (--signing_certificate, --certificate_chain int-ca, then ca-cert)', () => {
      const m = model();
      const sig = path.join(m, 'model.sig');
      let r = ms([
        'sign', 'certificate', '--signature', sig, '--private_key', './keys/certificate/signing-key.pem',
        '--signing_certificate', './keys/certificate/signing-key-cert.pem', '--certificate_chain', './keys/certificate/int-ca-cert.pem',
        '--ignore-paths', path.join(m, 'ignore'), m,
      ]);
      expect(r.status).toBe(0);
      r = ms(['verify', 'certificate', '--signature', sig, '--certificate_chain', './keys/certificate/ca-cert.pem', '--ignore-paths', path.join(m, 'ignore'), m]);
      expect(r.status).toBe(0);
      expect(signedFiles(sig)).toEqual(['signme-1', 'signme-2']);
      const bundle = JSON.parse(fs.readFileSync(sig, 'utf8'));
      const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
      expect(statement.subject[0].name).toBe(path.basename(m));
    });

    it('from inside the model folder: relative --signature and --ignore-paths, model "."', () => {
      const m = model();
      const keys = path.join(TESTS, 'keys', 'certificate');
      let r = ms(['sign', 'key', '--signature', 'model.sig', '--private_key', path.join(keys, 'signing-key.pem'), '--ignore-paths', 'ignore', '.'], m);
      expect(r.status).toBe(0);
      r = ms(['verify', 'key', '--signature', 'model.sig', '--public_key', path.join(keys, 'signing-key-pub.pem'), '--ignore-paths', 'ignore', '.'], m);
      expect(r.status).toBe(0);
      expect(signedFiles(path.join(m, 'model.sig'))).toEqual(['signme-1', 'signme-2']);
      r = ms(['sign', 'certificate', '--signature', 'model.sig', '--private_key', path.join(keys, 'signing-key.pem'), '--signing_certificate', path.join(keys, 'signing-key-cert.pem'),
        '--certificate_chain', path.join(keys, 'int-ca-cert.pem'), '--ignore-paths', 'ignore', '.', '--force'], m);
      expect(r.status).toBe(0);
      r = ms(['verify', 'certificate', '--signature', 'model.sig', '--certificate_chain', path.join(keys, 'ca-cert.pem'), '--ignore-paths', 'ignore', '.'], m);
      expect(r.status).toBe(0);
      // The ignored file changing does not matter; a signed one changing does.
      fs.writeFileSync(path.join(m, 'ignore'), 'changed');
      expect(ms(['verify', 'certificate', '--signature', 'model.sig', '--certificate_chain', path.join(keys, 'ca-cert.pem'), '.'], m).status).toBe(0);
      fs.writeFileSync(path.join(m, 'signme-1'), 'changed');
      expect(ms(['verify', 'certificate', '--signature', 'model.sig', '--certificate_chain', path.join(keys, 'ca-cert.pem'), '.'], m).status).toBe(1);
    });

    it('sign METHOD without --signature writes model.sig in the current folder, as model_signing does', () => {
      const m = model();
      const cwd = tmpDir();
      const r = ms(['sign', 'key', '--private_key', path.join(TESTS, 'keys/certificate/signing-key.pem'), m], cwd);
      expect(r.status).toBe(0);
      expect(fs.existsSync(path.join(cwd, 'model.sig'))).toBe(true);
      expect(fs.existsSync(path.join(m, 'model.sig'))).toBe(false);
    });
  });
});

describe("model_signing README command lines, run as modelseal", () => {
  it('`sign key MODEL --private-key key.priv`, `verify key MODEL --signature S --public-key key.pub`, `digest MODEL`', () => {
    const cwd = tmpDir();
    writeTree(cwd, { 'bert-base-uncased/config.json': '{}', 'bert-base-uncased/model.safetensors': Buffer.alloc(4096, 7), 'bert-base-uncased/.git/HEAD': 'ref' });
    expect(cli(['keygen', '--out', path.join(cwd, 'key')], { cwd }).status).toBe(0);
    fs.renameSync(path.join(cwd, 'key.key'), path.join(cwd, 'key.priv'));
    expect(ms(['sign', 'key', 'bert-base-uncased', '--private-key', 'key.priv'], cwd).status).toBe(0);
    fs.renameSync(path.join(cwd, 'model.sig'), path.join(cwd, 'resnet.sig'));
    expect(ms(['verify', 'key', 'bert-base-uncased', '--signature', 'resnet.sig', '--public-key', 'key.pub'], cwd).status).toBe(0);
    expect(ms(['verify', 'key', '--signature', 'resnet.sig', '--public-key', 'key.pub', 'bert-base-uncased'], cwd).status).toBe(0);
    // digest follows the same ignore rules as sign: the root digest equals the signed one.
    const d = ms(['digest', 'bert-base-uncased', '--json'], cwd);
    const v = ms(['verify', 'key', 'bert-base-uncased', '--signature', 'resnet.sig', '--public-key', 'key.pub', '--json'], cwd);
    expect(d.json.digest).toBe(v.json.digest);
    expect(ms(['digest', 'bert-base-uncased', '--no-ignore-git-paths', '--json'], cwd).json.digest).not.toBe(d.json.digest);
  });

  it('`sign MODEL` without a method is Sigstore keyless (it asks for an identity token), as in model_signing', () => {
    const cwd = tmpDir();
    writeTree(cwd, { 'bert-base-uncased/config.json': '{}' });
    const { SIGSTORE_ID_TOKEN: _t, ACTIONS_ID_TOKEN_REQUEST_URL: _u, ...env } = process.env;
    const r = cli(['sign', 'bert-base-uncased', '--signature', 'model.sig'], { cwd, env: { ...env, SIGSTORE_ID_TOKEN: '' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/keyless signing needs an OIDC identity token/);
    const s = cli(['sign', 'sigstore', 'bert-base-uncased', '--private-key', 'k.pem'], { cwd });
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/sign sigstore: signs keyless/);
  });
});

describe('aliases and spellings', () => {
  const setup = () => {
    const dir = tmpDir();
    const m = writeTree(tmpDir(), { 'a.bin': Buffer.alloc(300, 1), '.gitignore': 'x', sub: Buffer.from('') });
    cli(['keygen', '--out', path.join(dir, 'k')]);
    return { dir, m };
  };

  it('--private-key/--public-key, underscores, --bundle, --ignore-git-paths/--no-ignore-git-paths, --no-ignore-unsigned-files, --offline, --allow-symlinks', () => {
    const { dir, m } = setup();
    const sig = path.join(dir, 'out.sig');
    expect(cli(['sign', m, '--private_key', path.join(dir, 'k.key'), '--bundle', sig, '--no-ignore-git-paths']).status).toBe(0);
    expect(signedFiles(sig)).toContain('.gitignore');
    expect(cli(['verify', m, '--public-key', path.join(dir, 'k.pub'), '--bundle', sig, '--no-ignore_git_paths', '--offline', '--allow-symlinks']).status).toBe(0);
    // A signed .gitignore is checked either way; an unsigned .github is what the spellings decide.
    fs.mkdirSync(path.join(m, '.github'));
    fs.writeFileSync(path.join(m, '.github', 'ci.yml'), 'x');
    expect(cli(['verify', m, '--public_key', path.join(dir, 'k.pub'), '--signature', sig, '--ignore-git-paths', '--no-ignore-unsigned-files']).status).toBe(0);
    expect(cli(['verify', m, '--public_key', path.join(dir, 'k.pub'), '--signature', sig, '--no-ignore_git_paths', '--no-ignore-unsigned-files']).status).toBe(1);
    fs.rmSync(path.join(m, '.github'), { recursive: true });
    fs.writeFileSync(path.join(m, 'extra.txt'), 'x');
    expect(cli(['verify', m, '--public-key', path.join(dir, 'k.pub'), '--bundle', sig, '--no-ignore-git-paths']).status).toBe(1);
    expect(cli(['verify', m, '--public-key', path.join(dir, 'k.pub'), '--bundle', sig, '--no-ignore-git-paths', '--ignore_unsigned_files']).status).toBe(0);
  });

  it('aliases stay out of the main help', () => {
    const sign = cli(['sign', '--help']).stdout;
    const verify = cli(['verify', '--help']).stdout;
    for (const a of ['private-key', 'signing-certificate', 'ignore-git-paths', 'bundle', 'use-ambient-credentials']) expect(sign).not.toContain(`--${a}`);
    for (const a of ['public-key', 'certificate-identity', 'certificate-oidc-issuer', 'identity-provider', 'certificate-chain', 'offline', 'allow-symlinks']) expect(verify).not.toContain(`--${a}`);
    expect(sign).toContain('--trust-config');
    expect(verify).toContain('--issuer-regexp');
  });

  it('cosign --certificate-identity(-regexp) and --certificate-oidc-issuer(-regexp) reach the Sigstore matcher', () => {
    const { dir, m } = setup();
    expect(cli(['sign', m, '--key', path.join(dir, 'k.key')]).status).toBe(0);
    // A key signature checked against a Sigstore identity: refused because it is not keyless, after the flags parsed.
    for (const flags of [
      ['--certificate-identity', 'a@example.com', '--certificate-oidc-issuer', 'https://issuer.example'],
      ['--certificate-identity-regexp', '.*@example\\.com', '--certificate-oidc-issuer-regexp', 'https://issuer\\.example'],
    ]) {
      const r = cli(['verify', m, ...flags, '--json']);
      expect(r.status).toBe(1);
      expect(r.json.error.message).toMatch(/Sigstore|identity|key/i);
    }
    expect(cli(['verify', m, '--certificate-identity', 'a', '--certificate-oidc-issuer', 'x', '--certificate-oidc-issuer-regexp', 'y']).status).toBe(2);
    expect(cli(['verify', m, '--certificate-identity', 'a', '--certificate-oidc-issuer-regexp', '(']).stderr).toMatch(/--issuer-regexp is not a valid regular expression/);
  });

  it('a value is never rewritten, only flag names; a folder called "key" still signs as the artifact', () => {
    const { dir } = setup();
    const cwd = tmpDir();
    writeTree(cwd, { 'key/w_x.bin': 'x' });
    const r = cli(['sign', 'key', '--key', path.join(dir, 'k.key'), '--signature', path.join(dir, 'my_sig.sig'), '--json'], { cwd });
    expect(r.status).toBe(0);
    expect(r.json.signature).toBe(path.join(dir, 'my_sig.sig'));
    expect(signedFiles(path.join(dir, 'my_sig.sig'))).toEqual(['w_x.bin']);
    expect(cli(['sign', 'nonsense', 'key', '--key', path.join(dir, 'k.key')], { cwd }).stderr).toMatch(/unexpected argument/);
  });
});
