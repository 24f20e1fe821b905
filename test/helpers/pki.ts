import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { program } from './peers';

/** The openssl CLI the test PKI is made with. */
export const OPENSSL = program('openssl', ['version'], 'apt-get install openssl');

/**
 * Test PKI made with the openssl CLI (an independent implementation): a root CA, an
 * intermediate and leaf certificates with chosen usages and validity.
 */
export interface Pki {
  dir: string;
  rootCert: string;
  intCert: string;
  intKey: string;
  /** Issues a leaf signed by the intermediate; returns [key, cert] paths. */
  leaf(name: string, options?: LeafOptions): { key: string; cert: string };
}

export interface LeafOptions {
  curve?: 'P-256' | 'P-384';
  /** extendedKeyUsage value, e.g. "codeSigning" or "serverAuth". */
  eku?: string;
  keyUsage?: string;
  /** Validity in days, or an explicit [start, end] as YYYYMMDDHHMMSSZ. */
  days?: number;
  dates?: [string, string];
  selfSigned?: boolean;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function ecKey(dir: string, name: string, curve: string): string {
  const file = path.join(dir, `${name}.key`);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-out', file], dir);
  return file;
}

export function makePki(dir: string, name = 'test'): Pki {
  fs.mkdirSync(dir, { recursive: true });
  const ext = path.join(dir, `${name}-ext.cnf`);
  fs.writeFileSync(
    ext,
    [
      '[ca]',
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
    ].join('\n') + '\n',
  );
  const rootKey = ecKey(dir, `${name}-root`, 'P-384');
  const rootCert = path.join(dir, `${name}-root.pem`);
  openssl(['req', '-x509', '-new', '-key', rootKey, '-subj', `/CN=${name} root CA`, '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', rootCert], dir);
  const intKey = ecKey(dir, `${name}-int`, 'P-384');
  const intCsr = path.join(dir, `${name}-int.csr`);
  const intCert = path.join(dir, `${name}-int.pem`);
  openssl(['req', '-new', '-key', intKey, '-subj', `/CN=${name} intermediate CA`, '-out', intCsr], dir);
  openssl(['x509', '-req', '-in', intCsr, '-CA', rootCert, '-CAkey', rootKey, '-CAcreateserial', '-days', '3650', '-extfile', ext, '-extensions', 'ca', '-out', intCert], dir);

  const leaf = (leafName: string, o: LeafOptions = {}) => {
    const key = ecKey(dir, leafName, o.curve ?? 'P-256');
    const cert = path.join(dir, `${leafName}.pem`);
    const cnf = path.join(dir, `${leafName}.cnf`);
    const lines = ['[leaf]', 'basicConstraints=critical,CA:FALSE', `keyUsage=critical,${o.keyUsage ?? 'digitalSignature'}`];
    if (o.eku !== '') lines.push(`extendedKeyUsage=${o.eku ?? 'codeSigning'}`);
    fs.writeFileSync(cnf, lines.join('\n') + '\n');
    if (o.selfSigned) {
      const addext = ['basicConstraints=critical,CA:FALSE', `keyUsage=critical,${o.keyUsage ?? 'digitalSignature'}`, `extendedKeyUsage=${o.eku ?? 'codeSigning'}`].flatMap((e) => ['-addext', e]);
      openssl(['req', '-x509', '-new', '-key', key, '-subj', `/CN=${leafName}`, '-days', String(o.days ?? 365), ...addext, '-out', cert], dir);
      return { key, cert };
    }
    const csr = path.join(dir, `${leafName}.csr`);
    openssl(['req', '-new', '-key', key, '-subj', `/CN=${leafName}`, '-out', csr], dir);
    if (o.dates) {
      // `openssl ca` is the CLI path that takes explicit start and end dates.
      const db = path.join(dir, `${leafName}-db`);
      fs.mkdirSync(db, { recursive: true });
      fs.writeFileSync(path.join(db, 'index.txt'), '');
      fs.writeFileSync(path.join(db, 'serial'), '1000\n');
      const caCnf = path.join(dir, `${leafName}-ca.cnf`);
      fs.writeFileSync(
        caCnf,
        ['[ca]', 'default_ca=d', '[d]', `dir=${db}`, 'database=$dir/index.txt', 'serial=$dir/serial', `new_certs_dir=${db}`, 'default_md=sha384', 'policy=p', 'unique_subject=no', '[p]', 'commonName=supplied', ...lines].join('\n') + '\n',
      );
      openssl(['ca', '-batch', '-config', caCnf, '-cert', intCert, '-keyfile', intKey, '-in', csr, '-startdate', o.dates[0], '-enddate', o.dates[1], '-extensions', 'leaf', '-notext', '-out', cert], dir);
      return { key, cert };
    }
    openssl(['x509', '-req', '-in', csr, '-CA', intCert, '-CAkey', intKey, '-CAcreateserial', '-days', String(o.days ?? 365), '-extfile', cnf, '-extensions', 'leaf', '-out', cert], dir);
    return { key, cert };
  };
  return { dir, rootCert, intCert, intKey, leaf };
}
