import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyArtifact } from '../src';
import { cli } from './helpers/cli';
import { tmpDir } from './helpers/tmp';
import { describeWithVectors, vector } from './helpers/vectors';

// Key-method signatures written by model_signing v0.3.1–v1.1.0 and the OMS v1.0 spec vectors.
const MT = (...p: string[]) => vector('model-transparency/scripts/tests', ...p);
const PUB = () => MT('keys/certificate/signing-key-pub.pem');

interface Case {
  name: string;
  artifact: () => string;
  signature: () => string;
  ignore: string[];
  root: string;
}
const CASES: Case[] = [
  { name: 'v0.3.1 elliptic-key (single file, resource ".")', artifact: () => MT('v0.3.1-elliptic-key/signme-1'), signature: () => MT('v0.3.1-elliptic-key/model.sig'), ignore: [], root: 'afa48c8674afe334b8a7dea34f7b46ab256e9255edf8da2132792341b667a45b' },
  { name: 'v1.0.0 elliptic-key (single file)', artifact: () => MT('v1.0.0-elliptic-key/signme-1'), signature: () => MT('v1.0.0-elliptic-key/model.sig'), ignore: [], root: 'afa48c8674afe334b8a7dea34f7b46ab256e9255edf8da2132792341b667a45b' },
  { name: 'v1.0.1 elliptic-key (folder, ignore-me not recorded)', artifact: () => MT('v1.0.1-elliptic-key'), signature: () => MT('v1.0.1-elliptic-key/model.sig'), ignore: ['ignore-me'], root: '92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4' },
  { name: 'v1.1.0 elliptic-key (folder, ignore paths recorded)', artifact: () => MT('v1.1.0-elliptic-key'), signature: () => MT('v1.1.0-elliptic-key/model.sig'), ignore: [], root: '92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4' },
  { name: 'OMS v1.0 valid/key.bundle.json', artifact: () => MT('v1.1.0-elliptic-key'), signature: () => vector('oms-v1.0/test-vectors/v1.0/valid/key.bundle.json'), ignore: ['model.sig'], root: '92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4' },
  { name: 'DSSE vector model-signing-v1.1.0-elliptic-key', artifact: () => vector('dsse/model-signing-v1.1.0-elliptic-key/model'), signature: () => vector('dsse/model-signing-v1.1.0-elliptic-key/model/model.sig'), ignore: [], root: '92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4' },
];

/** Copies a vector (artifact + signature) into a temp folder so it can be tampered with. */
function copyCase(c: Case): { artifact: string; signature: string } {
  const dir = tmpDir();
  const src = c.artifact();
  const dst = path.join(dir, path.basename(src));
  fs.cpSync(src, dst, { recursive: true });
  const sig = path.join(dir, 'copy.sig');
  fs.copyFileSync(c.signature(), sig);
  return { artifact: dst, signature: sig };
}

function args(artifact: string, signature: string, c: Case, key = PUB()): string[] {
  return ['verify', artifact, '--signature', signature, '--key', key, ...c.ignore.flatMap((p) => ['--ignore-paths', p]), '--json'];
}

describeWithVectors('model_signing and OMS key-method vectors', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      it('verifies with the publisher key', async () => {
        const r = await verifyArtifact(c.artifact(), { keys: PUB(), signature: c.signature(), ignorePaths: c.ignore });
        expect(r.rootDigest).toBe(c.root);
        expect(r.keyType).toBe('ecdsa-p384');
      });

      it('refuses one byte of one file changed', () => {
        const { artifact, signature } = copyCase(c);
        const file = fs.statSync(artifact).isDirectory() ? path.join(artifact, 'signme-1') : artifact;
        const b = fs.readFileSync(file);
        b[0] ^= 0x20;
        fs.writeFileSync(file, b);
        const r = cli(args(artifact, signature, c));
        expect(r.status).toBe(1);
        expect(r.json.error.code).toBe('ARTIFACT_MISMATCH');
        expect(r.json.error.details.changed).toHaveLength(1);
      });

      if (!c.artifact().endsWith('signme-1')) {
        it('refuses one file added and one removed', () => {
          const { artifact, signature } = copyCase(c);
          fs.writeFileSync(path.join(artifact, 'added.bin'), 'x');
          let r = cli(args(artifact, signature, c));
          expect(r.status).toBe(1);
          expect(r.json.error.details.extra).toEqual(['added.bin']);
          fs.rmSync(path.join(artifact, 'added.bin'));
          fs.rmSync(path.join(artifact, 'signme-2'));
          r = cli(args(artifact, signature, c));
          expect(r.status).toBe(1);
          expect(r.json.error.details.missing).toEqual(['signme-2']);
        });
      }

      it('refuses the wrong public key', () => {
        const { artifact, signature } = copyCase(c);
        const other = path.join(tmpDir(), 'other');
        expect(cli(['keygen', '--type', 'ecdsa-p384', '--out', other]).status).toBe(0);
        const r = cli(args(artifact, signature, c, other + '.pub'));
        expect(r.status).toBe(1);
        expect(r.json.error.code).toBe('SIGNATURE_MISMATCH');
      });
    });
  }

  it('refuses the OMS invalid and invalid-payload vectors', () => {
    const dirs = ['oms-v1.0/test-vectors/v1.0/invalid', 'oms-v1.0/test-vectors/v1.0/invalid-payload'];
    for (const d of dirs) {
      for (const f of fs.readdirSync(vector(d))) {
        const r = cli(['verify', MT('v1.1.0-elliptic-key'), '--signature', vector(d, f), '--key', PUB(), '--ignore-paths', 'model.sig', '--json']);
        expect({ f, status: r.status }).toEqual({ f, status: 1 });
        expect(r.json.error.code).toMatch(/^(BUNDLE_INVALID|STATEMENT_INVALID|UNSUPPORTED_MATERIAL|UNTRUSTED_SIGNER|SIGNATURE_MISMATCH)$/);
      }
    }
  });
});
