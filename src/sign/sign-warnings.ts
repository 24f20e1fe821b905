/** Something a signer should know about a signature that was nevertheless written. */
export interface SignWarning {
  code: string;
  message: string;
}

/**
 * model_signing 1.1 verifies only elliptic-curve keys ("Only elliptic curve keys are
 * supported"): an Ed25519 signature is valid here but refused by the reference verifier.
 */
export function signWarnings(keyType: string | undefined, format: string): SignWarning[] {
  // COSE_Sign1 is not a model_signing format at all; the warning is about the OMS bundle.
  if (keyType !== 'ed25519' || format !== 'bundle') return [];
  return [
    {
      code: 'ED25519_NOT_VERIFIABLE_BY_MODEL_SIGNING',
      message: 'signed with an Ed25519 key, which model_signing 1.1 cannot verify; use an ECDSA key (keygen --type ecdsa-p256) for signatures others verify with model_signing',
    },
  ];
}
