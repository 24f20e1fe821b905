import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { REPO } from './helpers/cli';
import { tmpDir } from './helpers/tmp';

/**
 * The published declarations (dist/*.d.ts, through package.json `exports`) type-check in a
 * strict TypeScript consumer, as ES module (.mts) and as CommonJS (.cts) under
 * `module: nodenext`, and refuse what the surface does not offer (issue 22). Needs dist/.
 */

jest.setTimeout(120_000);

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    noEmit: true,
    noUnusedLocals: true,
    exactOptionalPropertyTypes: true,
    // Node's types come from this checkout; the consumer has nothing but node_modules/modelseal.
    typeRoots: [path.join(REPO, 'node_modules/@types')],
    types: ['node'],
  },
};

/** A consumer project in a temporary folder: its files, a strict tsconfig and node_modules/modelseal linked to this checkout. */
function consumer(files: Record<string, string>): string {
  const dir = tmpDir('modelseal-types-');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(REPO, path.join(dir, 'node_modules', 'modelseal'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies: { modelseal: '*' } }));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, files: Object.keys(files) }, null, 2));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Diagnostics per consumer file (and those of no file), from tsc's own reading of the tsconfig. */
function diagnostics(dir: string): Record<string, string[]> {
  const config = ts.readConfigFile(path.join(dir, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dir);
  expect(parsed.errors).toEqual([]);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  // The package's types are the built declarations, reached through the link and `exports`.
  expect(program.getSourceFiles().some((f) => f.fileName === path.join(REPO, 'dist/index.d.ts'))).toBe(true);
  const out: Record<string, string[]> = {};
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const where = d.file ? path.relative(dir, d.file.fileName) : '(global)';
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    (out[where] ??= []).push(`TS${d.code} line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  return out;
}

const ESM_CONSUMER = `
import { verifyArtifact, createVerifier, readVerified, openVerified, scanPath, ModelsealError, ERROR_CODES, type VerifyResult, type PolicyVerifyResult, type ErrorCode } from 'modelseal';
import { loadPolicy, type Policy } from 'modelseal/policy';
import { readBundle, type SignatureBundle } from 'modelseal/formats';
import type { LineageGraph, LineageNode } from 'modelseal/lineage';
import type { Readable } from 'node:stream';

export async function load(dir: string): Promise<Buffer> {
  const byKey: VerifyResult = await verifyArtifact(dir, { keys: ['keys/publisher.pub'], ignoreUnsignedFiles: true });
  const hint: string = byKey.signer.keyHint;
  const policy: Policy = loadPolicy('policy.yaml');
  const byPolicy: PolicyVerifyResult = await verifyArtifact(dir, { policy, attestations: ['attestations'], lineage: true });
  const graph: LineageGraph = byPolicy.graph;
  const roots: LineageNode[] = graph.nodes.filter((n) => n.trustedRoot);
  const verifier = createVerifier({ signers: [{ kind: 'sigstore', identity: /^https:\\/\\/github\\.com\\/acme\\//, issuer: 'https://token.actions.githubusercontent.com' }] });
  const again: VerifyResult = await verifier.verify(dir, { signature: 'model.sig' });
  const bundle: SignatureBundle = readBundle(again.signature);
  const stream: Readable = openVerified(dir, 'tokenizer.json', byKey, { allowPickle: false });
  const flagged: boolean = scanPath(dir).flagged;
  console.log(hint, roots.length, bundle.mediaType, stream.readable, flagged);
  try {
    return await readVerified(dir, 'model.safetensors', byKey.manifest);
  } catch (err) {
    if (err instanceof ModelsealError) {
      const code: ErrorCode = err.code;
      const exit: number = err.exitCode;
      const known: boolean = ERROR_CODES.some((c) => c.code === code);
      console.error(err.message, exit, known, err.file ?? '', err.details);
    }
    throw err;
  }
}
`;

const CJS_CONSUMER = `
import modelseal = require('modelseal');
import keys = require('modelseal/keys');
const { Gate, verifyLocked, signArtifact, attestArtifact, digestArtifact, generateKeyPair, writeKeyPair, loadPrivateKey, loadPublicKey } = modelseal;
const { createRelease } = require('modelseal/release') as typeof import('modelseal/release');

async function main(): Promise<void> {
  const pair: modelseal.GeneratedKeyPair = generateKeyPair('ecdsa-p256');
  const written: modelseal.WrittenKeyPair = writeKeyPair('keys/publisher', 'ed25519', { passphrase: 'x', force: true });
  const key: modelseal.PrivateKeyInfo = loadPrivateKey(written.privateKeyPath, 'x');
  const pub: modelseal.PublicKeyInfo = loadPublicKey(written.publicKeyPath);
  const parsed: modelseal.PublicKeyInfo = keys.parsePublicKey(pair.publicKey.pem);
  const signed: modelseal.SignResult = await signArtifact('./my-model', { key, method: 'shards', hashType: 'sha256' });
  const attested: modelseal.AttestResult = await attestArtifact('./adapter', { kind: 'lora', key, bases: [signed.artifact] });
  const manifest: modelseal.Manifest = await digestArtifact('./my-model');
  const release = await createRelease(['./my-model'], { channel: 'prod', version: 2, expires: '7d', key });
  const gate: modelseal.Gate = new Gate('policy.yaml', './state', { channel: 'prod', init: true });
  const decision: modelseal.GateDecision = await gate.check(release.envelope, ['./my-model']);
  const locked: modelseal.LockedResult = await verifyLocked('acme/model', './my-model', { lock: 'modelseal.lock', keys: [pub] });
  console.log(parsed.hint, attested.provenance, manifest.rootDigest, decision.version, locked.verification.rootDigest);
}
main().catch((err: unknown) => {
  if (err instanceof modelseal.ModelsealError) process.exitCode = err.exitCode;
});
`;

describe('a strict TypeScript consumer', () => {
  it('type-checks the ESM (.mts) and CommonJS (.cts) uses of the top level and subpaths with no diagnostic', () => {
    const dir = consumer({ 'loader.mts': ESM_CONSUMER, 'update.cts': CJS_CONSUMER });
    expect(diagnostics(dir)).toEqual({});
  });

  it('gets a diagnostic for a deep import, a wrong type or a misuse (the check can fail)', () => {
    const dir = consumer({
      'deep.mts': "import { compareManifests } from 'modelseal/dist/verify/compare';\nconsole.log(compareManifests);\n",
      'deep.cts': "import compare = require('modelseal/dist/verify/compare');\nconsole.log(compare);\n",
      'wrong-type.mts': "import { verifyArtifact } from 'modelseal';\nconst n: number = (await verifyArtifact('m', { keys: 'k.pub' })).rootDigest;\nconsole.log(n);\n",
      'both-trusts.mts': "import { verifyArtifact } from 'modelseal';\nawait verifyArtifact('m', { keys: 'k.pub', policy: 'policy.yaml' });\n",
      'no-channel.cts': "import { Gate } from 'modelseal';\nconsole.log(new Gate('policy.yaml', 'state', {}));\n",
      'not-top-level.mts': "import { loadPolicy } from 'modelseal';\nconsole.log(loadPolicy);\n",
    });
    const d = diagnostics(dir);
    const codes = (file: string) => (d[file] ?? []).map((m) => m.split(' ')[0]);
    expect(Object.keys(d).sort()).toEqual(['both-trusts.mts', 'deep.cts', 'deep.mts', 'no-channel.cts', 'not-top-level.mts', 'wrong-type.mts']);
    expect(codes('deep.mts')).toContain('TS2307'); // Cannot find module: not in package.json exports
    expect(codes('deep.cts')).toContain('TS2307');
    expect(codes('wrong-type.mts')).toEqual(['TS2322']); // string is not assignable to number
    expect(codes('both-trusts.mts').length).toBeGreaterThan(0);
    expect(codes('no-channel.cts').length).toBeGreaterThan(0);
    expect(codes('not-top-level.mts')).toEqual(['TS2305']); // no exported member
  });
});
