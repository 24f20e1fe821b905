import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { program, type Peer } from './peers';
import { tmpDir } from './tmp';

/** A real SoftHSM2 token, initialised in a temporary folder (its own SOFTHSM2_CONF). */
export const SOFTHSM_MODULE = process.env.MODELSEAL_SOFTHSM2_MODULE ?? '/usr/lib/softhsm/libsofthsm2.so';

export function softhsmPeer(): Peer {
  return program('softhsm2-util', ['--version'], 'apt-get install softhsm2 (or bash .ci/peers/softhsm2.sh)');
}
/** OpenSC's pkcs11-tool (it exits non-zero on --help, so presence is what is probed). */
export function pkcs11ToolPeer(): Peer {
  const r = spawnSync('pkcs11-tool', ['--help'], { encoding: 'utf8' });
  return { name: 'pkcs11-tool', available: !r.error && /pkcs11-tool/.test(r.stdout + r.stderr), install: 'apt-get install opensc' };
}
export function pkcs11jsPeer(): Peer {
  let ok = false;
  try {
    require('pkcs11js');
    ok = true;
  } catch {
    ok = false;
  }
  return { name: 'pkcs11js', available: ok, install: 'npm install (pkcs11js, optional, builds with python3, make, g++)' };
}

export interface SoftHsmToken {
  dir: string;
  env: Record<string, string>;
  label: string;
  pin: string;
  pinFile: string;
  /** A pkcs11: URI for an object on this token; `query` is added after module-path. */
  uri(object: string, query?: string): string;
}

export function makeToken(label = 'modelseal-test', pin = '1234'): SoftHsmToken {
  const dir = tmpDir('softhsm-');
  fs.mkdirSync(path.join(dir, 'tokens'));
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(conf, `directories.tokendir = ${path.join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { SOFTHSM2_CONF: conf };
  const r = spawnSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', '87654321', '--pin', pin], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`softhsm2-util --init-token failed: ${r.stderr}`);
  const pinFile = path.join(dir, 'pin.txt');
  fs.writeFileSync(pinFile, `${pin}\n`, { mode: 0o600 });
  return {
    dir,
    env,
    label,
    pin,
    pinFile,
    uri: (object, query) => `pkcs11:token=${encodeURIComponent(label)};object=${encodeURIComponent(object)}?module-path=${SOFTHSM_MODULE}${query ? `&${query}` : ''}`,
  };
}
