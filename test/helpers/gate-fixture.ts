import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeKeyPair } from '../../src/keys/write';
import { loadPrivateKey } from '../../src/keys/load';
import type { PrivateKeyInfo } from '../../src/keys/key-types';
import { signArtifact } from '../../src/sign/sign-artifact';
import { tmpDir, writeTree } from './tmp';
import { safetensorsBytes } from './pickle-bytes';

export interface GateFixture {
  root: string;
  policyFile: string;
  keys: Record<'publisher' | 'k1' | 'k2' | 'k3' | 'stranger', PrivateKeyInfo>;
  keyFiles: Record<'publisher' | 'k1' | 'k2' | 'k3' | 'stranger', string>;
  stateDir: string;
  /** A new signed artifact folder (signed by the publisher unless `signer` is given). */
  artifact(name: string, content: string, signer?: PrivateKeyInfo): Promise<string>;
}

/**
 * Real keys on disk and a policy: artifacts must be signed by `publisher`; channel
 * `prod` needs 2 of k1/k2/k3, channel `dev` needs 1 (k1) and records expiring within 30 days.
 */
export function gateFixture(): GateFixture {
  const root = tmpDir('modelseal-gate-');
  const names = ['publisher', 'k1', 'k2', 'k3', 'stranger'] as const;
  const keys = {} as GateFixture['keys'];
  const keyFiles = {} as GateFixture['keyFiles'];
  for (const n of names) {
    const w = writeKeyPair(path.join(root, n), n === 'k2' ? 'ecdsa-p256' : 'ed25519');
    keys[n] = loadPrivateKey(w.privateKeyPath);
    keyFiles[n] = w.privateKeyPath;
  }
  const policyFile = path.join(root, 'policy.yaml');
  fs.writeFileSync(
    policyFile,
    [
      'apiVersion: modelseal.dev/policy/v1',
      'signers:',
      '  publisher: { keys: [publisher.pub] }',
      '  release-1: { keys: [k1.pub] }',
      '  release-2: { keys: [k2.pub] }',
      '  release-3: { keys: [k3.pub] }',
      'artifacts:',
      "  - { name: '**', signers: [publisher] }",
      'channels:',
      '  prod: { signers: [release-1, release-2, release-3], threshold: 2 }',
      '  dev: { signers: [release-1], threshold: 1, maxExpiry: 30d }',
      '',
    ].join('\n'),
  );
  const stateDir = path.join(root, 'state');
  return {
    root,
    policyFile,
    keys,
    keyFiles,
    stateDir,
    async artifact(name, content, signer) {
      const dir = writeTree(path.join(root, 'artifacts', `${name}-${Math.random().toString(36).slice(2, 8)}`, name), {
        'model.safetensors': safetensorsBytes({ w: [content.length, 1, 2] }),
        'config.json': JSON.stringify({ content }),
      });
      await signArtifact(dir, { key: signer ?? keys.publisher });
      return dir;
    },
  };
}
