import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeManifest } from '../../src/digest/manifest';
import { parseCoseSign1 } from '../../src/envelope/cose/sign1';
import { loadPrivateKey } from '../../src/keys/load';
import { writeKeyPair } from '../../src/keys/write';
import { signArtifact } from '../../src/sign/sign-artifact';
import { signStatementCose } from '../../src/sign/sign-cose';
import { buildOmsStatement } from '../../src/statement/oms';
import { serializeStatement } from '../../src/statement/statement';
import { verifyArtifact } from '../../src/verify/verify-artifact';
import { tmpDir, writeTree } from '../helpers/tmp';
import { refusal } from '../helpers/refusal';
import { DEBIAN_PYTHON, debianPython, describeWithPeers } from '../helpers/peers';

/**
 * Cross-checks our COSE_Sign1 against an independent peer, both ways: test/interop/cose_peer.py,
 * written from the RFCs on Debian's python3-cbor2 and python3-cryptography (/usr/bin/python3;
 * .ci/run installs them).
 */
const PYTHON = DEBIAN_PYTHON;
const PEERS = debianPython('cbor2', 'cryptography');
const PEER = path.join(__dirname, 'cose_peer.py');

function peer(args: string[]): { status: number; report: any } {
  const r = spawnSync(PYTHON, [PEER, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.error || /No module named/.test(r.stderr)) {
    throw new Error(`cannot run the Python COSE peer (${r.error?.message ?? r.stderr.trim()}); install python3-cbor2 and python3-cryptography for ${PYTHON}`);
  }
  return { status: r.status ?? -1, report: JSON.parse(r.stdout) };
}

const TYPES = ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521'] as const;
const ALG = { ed25519: -8, 'ecdsa-p256': -7, 'ecdsa-p384': -35, 'ecdsa-p521': -36 } as const;

const work = tmpDir('modelseal-cose-interop-');
const model = writeTree(path.join(work, 'llama-ft'), {
  'config.json': '{"hidden": 64}',
  'model-00001-of-00002.safetensors': Buffer.alloc(70_000, 1),
  'model-00002-of-00002.safetensors': Buffer.alloc(3_000, 2),
});

describeWithPeers(PEERS, 'COSE_Sign1 interop with the Python peer', () => describe.each(TYPES)('%s', (type) => {
  const keys = writeKeyPair(path.join(work, type), type);
  const key = () => loadPrivateKey(keys.privateKeyPath);

  it('our message is verified by the peer, with the headers we document', async () => {
    const sig = path.join(work, `ours-${type}.cose`);
    await signArtifact(model, { key: key(), format: 'cose', signature: sig, claims: { issuer: 'https://models.example.com' } });
    const { status, report } = peer(['verify', sig, keys.publicKeyPath]);
    expect(report).toEqual({
      ok: true,
      alg: ALG[type],
      content_type: 'application/vnd.in-toto+json',
      kid: keys.hint,
      kid_is_key_hint: true,
      iss: 'https://models.example.com',
      sub: 'llama-ft',
      header_labels: [1, 3, 4, 15],
      unprotected_labels: [],
      payload_sha256: createHash('sha256').update(parseCoseSign1(fs.readFileSync(sig)).payload).digest('hex'),
      canonical: true,
    });
    expect(status).toBe(0);
    // the peer is not a rubber stamp: a flipped signature bit or another key fails there too
    const tampered = Buffer.from(fs.readFileSync(sig));
    tampered[tampered.length - 1] ^= 1;
    fs.writeFileSync(`${sig}.bad`, tampered);
    expect(peer(['verify', `${sig}.bad`, keys.publicKeyPath])).toEqual({ status: 1, report: { ok: false, error: 'signature does not verify' } });
    const other = writeKeyPair(path.join(work, `other-${type}`), type);
    expect(peer(['verify', sig, other.publicKeyPath]).status).toBe(1);
  });

  it('the peer\'s message over our statement is verified by us', async () => {
    const manifest = await computeManifest(model);
    const statement = buildOmsStatement(manifest, 'llama-ft');
    const payloadFile = path.join(work, `statement-${type}.json`);
    fs.writeFileSync(payloadFile, serializeStatement(statement));
    const theirs = path.join(work, `theirs-${type}.cose`);
    expect(peer(['sign', keys.privateKeyPath, payloadFile, theirs, '--iss', 'did:web:example.com', '--sub', 'acme/llama-ft']).status).toBe(0);
    const result = await verifyArtifact(model, { keys: keys.publicKeyPath, signature: theirs });
    expect(result).toMatchObject({ verified: true, format: 'cose', rootDigest: manifest.rootDigest, keyType: type, keyHint: keys.hint, claims: { issuer: 'did:web:example.com', subject: 'acme/llama-ft' } });

    // Both encoders are canonical: the protected headers are byte-identical, and with
    // deterministic Ed25519 so is the whole message.
    const ours = signStatementCose(statement, key(), { issuer: 'did:web:example.com', subject: 'acme/llama-ft' });
    const theirBytes = fs.readFileSync(theirs);
    expect(parseCoseSign1(ours).protectedBytes.toString('hex')).toBe(parseCoseSign1(theirBytes).protectedBytes.toString('hex'));
    if (type === 'ed25519') expect(ours.toString('hex')).toBe(theirBytes.toString('hex'));
  });

  it('the peer\'s deliberately wrong messages are refused by us', async () => {
    const statement = buildOmsStatement(await computeManifest(model), 'llama-ft');
    const payloadFile = path.join(work, `statement2-${type}.json`);
    fs.writeFileSync(payloadFile, serializeStatement(statement));
    const wrongCt = path.join(work, `ct-${type}.cose`);
    expect(peer(['sign', keys.privateKeyPath, payloadFile, wrongCt, '--iss', 'i', '--sub', 's', '--content-type', 'application/json']).status).toBe(0);
    expect(await refusal(verifyArtifact(model, { keys: keys.publicKeyPath, signature: wrongCt }))).toMatchObject({ code: 'STATEMENT_INVALID' });
    if (type === 'ecdsa-p256') {
      // a valid P-256 signature over SHA-384, labelled ES384: alg does not fit the key type
      const wrongAlg = path.join(work, `alg-${type}.cose`);
      expect(peer(['sign', keys.privateKeyPath, payloadFile, wrongAlg, '--iss', 'i', '--sub', 's', '--alg', '-35']).status).toBe(0);
      const err = await refusal(verifyArtifact(model, { keys: keys.publicKeyPath, signature: wrongAlg }));
      expect(err.code).toBe('SIGNATURE_MISMATCH');
      expect(err.message).toMatch(/alg ES384 \(-35\) does not match the given key \(ecdsa-p256/);
    }
  });
}));
