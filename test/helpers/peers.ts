import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './cli';

/**
 * Optional peers: independent programs some tests check against (Python libraries, SoftHSM2,
 * a registry, b3sum). A suite whose peer is missing skips with one visible line naming what
 * to install, and fails instead under MODELSEAL_REQUIRE_PEERS=1 (which .ci/run sets after
 * installing every peer).
 */
export interface Peer {
  readonly name: string;
  readonly available: boolean;
  /** What to install to get it, for the skip line. */
  readonly install: string;
}

export const REQUIRE_PEERS = process.env.MODELSEAL_REQUIRE_PEERS === '1';

function runs(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  return !r.error && r.status === 0;
}

const cache = new Map<string, Peer>();
function memo(name: string, probe: () => boolean, install: string): Peer {
  let p = cache.get(name);
  if (!p) {
    p = { name, available: probe(), install };
    cache.set(name, p);
  }
  return p;
}

/** Debian's Python (/usr/bin/python3) with the given modules (python3-cryptography, python3-cbor2). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
export function debianPython(...modules: string[]): Peer {
  const mods = modules.length ? modules : ['cryptography'];
  return memo(`debian-python:${mods.join(',')}`, () => runs(DEBIAN_PYTHON, ['-c', `import ${mods.join(', ')}`]),
    `apt-get install ${mods.map((m) => `python3-${m}`).join(' ')}`);
}

/**
 * The peers' Python virtual environment (.ci/peers/python-venv.sh makes it): $MODELSEAL_PYTHON,
 * else .peers/venv/bin/python in the checkout.
 */
export const PEER_PYTHON = process.env.MODELSEAL_PYTHON ?? path.join(REPO, '.peers', 'venv', 'bin', 'python');
export function venvPython(...modules: string[]): Peer {
  return memo(`python:${modules.join(',')}`, () => fs.existsSync(PEER_PYTHON) && runs(PEER_PYTHON, ['-c', `import ${modules.join(', ')}`]),
    `bash .ci/peers/python-venv.sh (a venv with ${modules.join(', ')}), or set MODELSEAL_PYTHON`);
}

/** An npm package (an optional peer dependency such as onnxruntime-node) that resolves from the checkout. */
export function nodePackage(name: string): Peer {
  return memo(`npm:${name}`, () => {
    try {
      require.resolve(name, { paths: [REPO] });
      return true;
    } catch {
      return false;
    }
  }, `npm install (it is a devDependency: ${name})`);
}

/** A program on PATH that answers `args` with exit 0. */
export function program(cmd: string, args: string[], install: string): Peer {
  return memo(`program:${cmd}`, () => runs(cmd, args), install);
}

/**
 * describe() when every peer is there; otherwise one visible SKIPPED line (or, under
 * MODELSEAL_REQUIRE_PEERS=1, a failing test naming what is missing).
 */
export function describeWithPeers(peers: Peer | Peer[], title: string, fn: () => void): void {
  const list = Array.isArray(peers) ? peers : [peers];
  const missing = list.filter((p) => !p.available);
  if (missing.length === 0) {
    describe(title, fn);
    return;
  }
  const what = missing.map((p) => `${p.name} (install: ${p.install})`).join('; ');
  if (REQUIRE_PEERS) {
    describe(title, () => {
      it('has its peers', () => {
        throw new Error(`missing peer ${what}; required under MODELSEAL_REQUIRE_PEERS=1`);
      });
    });
    return;
  }
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED ${title}: needs ${what}`);
  describe(title, () => {
    it.skip(`needs ${what}`, () => undefined);
  });
}
