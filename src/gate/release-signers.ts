import { createHash } from 'node:crypto';
import { ModelsealError } from '../errors';
import type { PublicKeyInfo } from '../keys/key-types';
import { signersNamed } from '../policy/rules';
import type { Policy, PolicySigner } from '../policy/policy-types';
import { verifyBundleAgainstSigners } from '../policy/verify-signers';
import type { SigningMethod } from '../verify/trusted-signer';
import { checkReleaseBundle, verifiedSigners, type ReleaseEnvelope } from './release-envelope';

/** One distinct signer that counted toward a channel's threshold. */
export interface ReleaseSigner {
  /** The policy signer (first in policy order) that holds the key or identity. */
  signer: string;
  method: SigningMethod;
  /** Keys: the key's identity (SHA-256 of its canonical SPKI DER); sigstore: the certificate SAN; certificate: the leaf's subject. */
  id: string;
  /** model_signing's hint of the signing key (hex SHA-256 of its SPKI PEM). */
  keyHint: string;
  /** sigstore: the OIDC issuer; certificate: the subject of the CA root that anchored the chain. */
  issuer?: string;
}

export interface CountedSigners {
  counted: ReleaseSigner[];
  /** Why signatures by the channel's signers did not count (bounded, one line each). */
  skipped: string[];
}

const MAX_REASON = 200;

/**
 * THE count of distinct trusted signers of a release record for a channel. Bare DSSE
 * signatures are checked against the channel's keys, Sigstore bundles by the same
 * verifier as `verify` (key, Fulcio chain + Rekor + identity, or X.509 path to CA roots).
 * A signature that verifies with no trusted signer is skipped (DSSE's k-of-n rule).
 *
 * Distinct means: no two counted signatures share a signing key, nor an identity (a
 * Sigstore issuer + SAN, or a CA root + leaf subject). So one key holder counts once,
 * however many signature kinds, certificates or policy names carry their key, and one
 * Sigstore identity counts once, however many ephemeral keys it signed with.
 */
export function countReleaseSigners(env: ReleaseEnvelope, policy: Policy, signerNames: readonly string[], file?: string): CountedSigners {
  const signers = signersNamed(policy, signerNames);
  const seen = new Set<string>();
  const counted: ReleaseSigner[] = [];
  const skipped: string[] = [];
  const add = (tokens: string[], s: ReleaseSigner) => {
    if (tokens.some((t) => seen.has(t))) return;
    for (const t of tokens) seen.add(t);
    counted.push(s);
  };

  const keyOwners = new Map<string, PolicySigner>();
  for (const s of signers) if (s.kind === 'key') for (const k of s.keys) if (!keyOwners.has(k.id)) keyOwners.set(k.id, s);
  const keys: PublicKeyInfo[] = [];
  for (const s of signers) if (s.kind === 'key') for (const k of s.keys) if (!keys.some((x) => x.id === k.id)) keys.push(k);
  for (const k of verifiedSigners(env, keys)) {
    add([`key:${k.hint}`], { signer: (keyOwners.get(k.id) as PolicySigner).name, method: 'key', id: k.id, keyHint: k.hint });
  }

  // Checked here too, not only when a file is parsed: a library caller may hand over an envelope it built.
  (env.bundles ?? []).forEach((bundle, i) => checkReleaseBundle(env, bundle, i, file));
  (env.bundles ?? []).forEach((bundle, i) => {
    try {
      const match = verifyBundleAgainstSigners(bundle, signers);
      const v = match.verified;
      if (v.method === 'key') {
        add([`key:${v.keyHint}`], { signer: match.signer.name, method: 'key', id: (match.key as PublicKeyInfo).id, keyHint: v.keyHint });
        return;
      }
      const identity = v.identity ?? '';
      const anchor = v.method === 'sigstore' ? (v.issuer ?? '') : createHash('sha256').update(v.rootCertificate ?? '').digest('hex');
      add([`key:${v.keyHint}`, `${v.method}:${anchor}\n${identity}`], { signer: match.signer.name, method: v.method, id: identity, keyHint: v.keyHint, ...(v.issuer !== undefined ? { issuer: v.issuer } : {}) });
    } catch (err) {
      if (!(err instanceof ModelsealError)) throw err;
      skipped.push(`bundle #${i + 1}: ${err.message.replace(/\s+/g, ' ').slice(0, MAX_REASON)}`);
    }
  });
  return { counted, skipped };
}
