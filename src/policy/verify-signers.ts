import { ModelsealError } from '../errors';
import type { SignatureBundle } from '../envelope/bundle';
import type { PublicKeyInfo } from '../keys/key-types';
import { verifyBundleSigners, type TrustedSigner, type VerifiedSigner } from '../verify/trusted-signer';
import type { PolicySigner } from './policy-types';

export interface SignerMatch {
  /** The first policy signer (in policy order) that holds the verifying key or identity. */
  signer: PolicySigner;
  /** Every policy signer that holds it: one key may be listed under several names. */
  signers: PolicySigner[];
  /** The key that verified (key signers). */
  key?: PublicKeyInfo;
  /** How it verified: the method, and for certificates the identity, issuer and log details. */
  verified: VerifiedSigner;
}

/** The verifier's entries for a policy signer: one per key, or its certificate identity. */
export function trustedEntries(s: PolicySigner): TrustedSigner[] {
  if (s.kind === 'key') return s.keys.map((key) => ({ kind: 'key', key, name: s.name }));
  if (s.kind === 'ca') return [{ kind: 'ca', roots: s.roots, intermediates: s.intermediates, validAtNotBefore: s.validAtNotBefore, name: s.name }];
  const identity = s.identityRegexp ? new RegExp(s.identity, 'u') : s.identity;
  return [{ kind: 'sigstore', identity, issuer: s.issuer, trustedRoot: s.trustedRoot, name: s.name }];
}

/** Whether another policy signer holds what verified: the same key (by identity), or an identity that verifies the bundle too. */
function holdsSame(s: PolicySigner, key: PublicKeyInfo | undefined, bundle: SignatureBundle, file?: string): boolean {
  if (key) return s.kind === 'key' && s.keys.some((k) => k.id === key.id);
  if (s.kind === 'key') return false;
  try {
    verifyBundleSigners(bundle, trustedEntries(s), file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Verifies a bundle's signature against a set of policy signers and returns the one
 * that signed it, through the same verifier as `verify` (keys; Fulcio chain, Rekor
 * entry and identity; or an X.509 path to CA roots).
 *
 * Fails closed. For key bundles the refusal says whose fault it is: SIGNATURE_MISMATCH
 * when the bundle names a key one of these signers holds but the signature is bad,
 * UNTRUSTED_SIGNER when it was signed by a key none of them holds.
 */
export function verifyBundleAgainstSigners(bundle: SignatureBundle, signers: readonly PolicySigner[], file?: string): SignerMatch {
  const owners: PolicySigner[] = [];
  const entries: TrustedSigner[] = [];
  for (const s of signers) {
    for (const e of trustedEntries(s)) {
      owners.push(s);
      entries.push(e);
    }
  }
  const names = signers.map((s) => s.name).join(', ') || '(none)';
  if (entries.length === 0) throw new ModelsealError('UNTRUSTED_SIGNER', 'no signer is allowed here', { file });
  try {
    const verified = verifyBundleSigners(bundle, entries, file);
    const trusted = verified.trusted;
    const key = trusted.kind === 'key' && typeof trusted.key !== 'string' ? trusted.key : undefined;
    const holders = signers.filter((s, i) => owners[entries.indexOf(verified.trusted)] === s || holdsSame(s, key, bundle, file));
    return { signer: holders[0], signers: holders, verified, ...(key ? { key } : {}) };
  } catch (err) {
    if (!(err instanceof ModelsealError) || err.code !== 'SIGNATURE_MISMATCH' || bundle.material.kind !== 'publicKey') throw err;
    const hint = bundle.material.hint;
    const named = hint ? signers.find((s) => s.kind === 'key' && s.keys.some((k) => k.hint === hint)) : undefined;
    if (named) throw new ModelsealError('SIGNATURE_MISMATCH', `names the key of signer ${JSON.stringify(named.name)}, but the signature does not verify with it (tampered payload or signature)`, { file });
    const by = hint ? ` (key ${hint.slice(0, 12)}…)` : '';
    throw new ModelsealError('UNTRUSTED_SIGNER', `is signed by a key${by} that none of the trusted signers holds (${names})`, { file });
  }
}
