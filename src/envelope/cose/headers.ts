import type { KeyType } from '../../keys/key-types';

/** COSE header parameter labels (RFC 9052 §3.1; CWT claims header: RFC 9597). */
export const HEADER = {
  alg: 1,
  crit: 2,
  contentType: 3,
  kid: 4,
  cwtClaims: 15,
  /** SCITT receipts, added to the unprotected header by a transparency service. */
  receipts: 394,
} as const;

/** CWT claim keys (RFC 8392 §4). */
export const CLAIM = { iss: 1, sub: 2, exp: 4, nbf: 5 } as const;

export const COSE_SIGN1_TAG = 18;

/** COSE algorithm ids (RFC 9053), each bound to exactly one key type. */
export const COSE_ALG: Record<KeyType, number> = {
  ed25519: -8, // EdDSA
  'ecdsa-p256': -7, // ES256
  'ecdsa-p384': -35, // ES384
  'ecdsa-p521': -36, // ES512
};

export const COSE_ALG_NAMES: Record<number, string> = { [-8]: 'EdDSA', [-7]: 'ES256', [-35]: 'ES384', [-36]: 'ES512' };

export function algName(alg: unknown): string {
  return typeof alg === 'number' && COSE_ALG_NAMES[alg] ? `${COSE_ALG_NAMES[alg]} (${alg})` : JSON.stringify(alg);
}

/** Protected-header labels we understand; only these may be listed in `crit`. */
export const UNDERSTOOD_LABELS: readonly number[] = [HEADER.alg, HEADER.crit, HEADER.contentType, HEADER.kid, HEADER.cwtClaims];
