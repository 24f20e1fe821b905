import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, REPO } from './helpers/cli';
import { tmpDir, writeTree } from './helpers/tmp';

const KEY = path.join(REPO, 'keys-example/publisher-ed25519.key');
const PUB = path.join(REPO, 'keys-example/publisher-ed25519.pub');

/** One line on stderr, ending in the code, nothing on stdout. */
function oneLine(r: { status: number; stdout: string; stderr: string }, status: number, code: string): string {
  expect({ status: r.status, stdout: r.stdout, lines: r.stderr.split('\n').length, code: r.stderr.endsWith(`[${code}]\n`) }).toEqual({ status, stdout: '', lines: 2, code: true });
  return r.stderr;
}

describe('messages say what is wrong, once', () => {
  let dir: string;
  let model: string;
  beforeAll(() => {
    dir = tmpDir();
    model = writeTree(path.join(dir, 'm'), { 'w.bin': 'weights', 'config.json': '{}' });
    expect(cli(['sign', model, '--key', KEY]).status).toBe(0);
  });

  it('missing arguments are named, not glued to their descriptions', () => {
    expect(oneLine(cli(['lock', 'add']), 2, 'USAGE_ERROR')).toBe('modelseal lock add: Missing 2 required args: name, path (see --help) [USAGE_ERROR]\n');
    expect(oneLine(cli(['lock', 'add', 'x']), 2, 'USAGE_ERROR')).toBe('modelseal lock add: Missing 1 required arg: path (see --help) [USAGE_ERROR]\n');
  });

  it('an identity token that is not a JWT is refused before any service call, without echoing it', () => {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const cases: [string, RegExp][] = [
      ['u\u00ff-not-a-token-SECRET', /three base64url parts/],
      [`${Buffer.from('u\u00ff').toString('base64url')}.${enc({ iss: 'x', sub: 'y' })}.sig`, /header is not a JSON object/],
      [`${enc({ alg: 'none' })}.${enc([1])}.sig`, /claims are not a JSON object/],
      [`${enc({ alg: 'none' })}.${enc({ sub: 'SECRET' })}.sig`, /no issuer \(iss\) claim/],
      [`${enc({ alg: 'none' })}.${enc({ iss: 'https://issuer.example' })}.`, /no subject \(sub or email\) claim/],
    ];
    for (const [token, why] of cases) {
      // An unreachable Fulcio: a request would fail differently (and slowly).
      const r = cli(['sign', model, '--sigstore', '--identity-token', token, '--signature', path.join(dir, 'k.sig'), '--fulcio-url', 'http://127.0.0.1:9', '--rekor-url', 'http://127.0.0.1:9']);
      const line = oneLine(r, 2, 'USAGE_ERROR');
      expect(line).toMatch(why);
      expect(line).not.toContain('SECRET');
      expect(line).not.toMatch(/Unexpected token|JSON at position/);
    }
    expect(fs.existsSync(path.join(dir, 'k.sig'))).toBe(false);
  });

  it('an RSA key is refused naming every supported curve', () => {
    const rsa = path.join(dir, 'rsa.pem');
    fs.writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(oneLine(cli(['sign', model, '--key', rsa, '--signature', path.join(dir, 'r.sig')]), 2, 'KEY_UNSUPPORTED')).toMatch(/RSA keys are not supported \(use Ed25519 or ECDSA P-256, P-384 or P-521\)/);
  });

  it('verify given the signature instead of the artifact says so', () => {
    const line = oneLine(cli(['verify', path.join(model, 'model.sig'), '--key', PUB]), 2, 'USAGE_ERROR');
    expect(line).toContain('is a signature file, not an artifact');
    expect(line).toContain(JSON.stringify(model));
    expect(line).not.toContain('model.sig.sig');
    // A single-file artifact's signature names the file it signs.
    const file = path.join(dir, 'adapter.safetensors');
    fs.writeFileSync(file, 'adapter');
    expect(cli(['sign', file, '--key', KEY]).status).toBe(0);
    expect(oneLine(cli(['verify', `${file}.sig`, '--key', PUB]), 2, 'USAGE_ERROR')).toContain(JSON.stringify(file));
    // With --signature, a file named *.sig is an artifact like any other.
    const odd = path.join(dir, 'weights.sig');
    fs.writeFileSync(odd, 'x');
    expect(cli(['sign', odd, '--key', KEY, '--signature', path.join(dir, 'odd.sig')]).status).toBe(0);
    expect(cli(['verify', odd, '--key', PUB, '--signature', path.join(dir, 'odd.sig')]).status).toBe(0);
  });

  it('missing trust material is an input error naming the file (exit 2), not an untrusted signer', () => {
    for (const flag of ['--ca-roots', '--ca-intermediates', '--key', '--policy']) {
      const extra = flag === '--ca-intermediates' ? ['--ca-roots', PUB] : [];
      const r = cli(['verify', model, ...extra, flag, path.join(dir, 'missing.pem')]);
      expect({ flag, line: oneLine(r, 2, 'PATH_NOT_FOUND').includes('missing.pem: no such file or directory') }).toEqual({ flag, line: true });
    }
  });

  it('a policy lists all its problems at once, with the nearest field or signer for a typo', () => {
    fs.copyFileSync(PUB, path.join(dir, 'pub.pem'));
    const policy = path.join(dir, 'typo.yaml');
    fs.writeFileSync(policy, 'apiVersion: modelseal.dev/policy/v1\nsigner:\n  pub: { keys: [pub.pem] }\nartifacts:\n  - { name: a, signers: [pub], kindz: [lora] }\n');
    const line = oneLine(cli(['policy', 'check', policy]), 2, 'POLICY_INVALID');
    expect(line).toContain('unknown field "signer" (did you mean "signers"?)');
    expect(line).toContain('/artifacts/0: unknown field "kindz" (did you mean "kinds"?)');
    expect(line).not.toContain('missing field "signers"');
    const semantic = path.join(dir, 'refs.yaml');
    fs.writeFileSync(semantic, 'apiVersion: modelseal.dev/policy/v1\nsigners:\n  publisher: { keys: [pub.pem, gone.pem] }\nartifacts:\n  - { name: a, signers: [publsher] }\nchannels:\n  prod: { signers: [publisher, stranger], threshold: 1 }\n');
    const l2 = oneLine(cli(['policy', 'check', semantic]), 2, 'POLICY_INVALID');
    expect(l2).toContain('3 problems');
    expect(l2).toContain('/signers/publisher/keys/1 names gone.pem, which does not exist');
    expect(l2).toContain('names signer "publsher", which is not defined under signers (did you mean "publisher"?)');
    expect(l2).toContain('names signer "stranger"');
  });

  it('a policy with many problems gives a bounded message', () => {
    const many = path.join(dir, 'many.yaml');
    const rules = Array.from({ length: 2000 }, (_, i) => `  - { name: a${i}, signers: [nobody${i}], extra${i}: 1 }`).join('\n');
    fs.writeFileSync(many, `apiVersion: modelseal.dev/policy/v1\nsigners:\n  pub: { keys: [pub.pem] }\nartifacts:\n${rules}\n`);
    const line = oneLine(cli(['policy', 'check', many]), 2, 'POLICY_INVALID');
    expect(line.length).toBeLessThan(3000);
    expect(line).toMatch(/and 1990 more/);
  });
});
