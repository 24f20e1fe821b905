/**
 * The one error type of modelseal. Every failure carries a stable string code;
 * the CLI maps codes to exit statuses (0 ok, 1 verification refused, 2 usage or
 * input error) and prints them in `--json` output. Codes never change meaning.
 */
import { displayText, LINE_LIMIT, safeLine } from './names/display';

/** Codes whose failure means "the artifact or its signature is not acceptable" (exit 1). */
const REFUSAL_CODES = [
  'BUNDLE_INVALID', // the signature file is not a well-formed bundle/envelope we accept
  'STATEMENT_INVALID', // the signed statement is malformed or of an unexpected type
  'MANIFEST_INVALID', // the signed resource list is malformed (bad names, digests, shards)
  'SIGNATURE_MISMATCH', // the cryptographic signature does not verify with the trusted key
  'DIGEST_MISMATCH', // the subject digest is not the one recomputed from the resources
  'ARTIFACT_MISMATCH', // the files on disk differ from the signed manifest
  'UNSUPPORTED_ALGORITHM', // a hash or signature algorithm we do not accept
  'UNSUPPORTED_MATERIAL', // verification material (certificate, keyless) not usable here
  'UNTRUSTED_SIGNER', // signed, but not by a signer trusted for this artifact
  'NOT_PINNED', // the name has no entry in the lock file
  'LOCK_ARTIFACT_MISSING', // a pinned artifact (or its signature) is not where the lock file says
  'LOCK_DIGEST_CHANGED', // a pinned artifact verifies, but its root digest is not the pinned one
  'LOCK_SIGNER_CHANGED', // a pinned artifact is now signed by another signer than the pinned one
  'NEAR_NAME', // the name looks like a pinned or trusted name but is not it (typosquat, dependency confusion)
  'EVAL_MISSING', // the policy requires an evaluation attestation and there is none
  'EVAL_FAILED', // the evaluation attestation records a result the policy does not accept
  'EVAL_UNTRUSTED_EVALUATOR', // the evaluation attestation is not signed by an evaluator the policy names
  'EVAL_SUITE_MISMATCH', // the evaluation attestation is for another suite than the policy names
  'EVAL_SUBJECT_MISMATCH', // the evaluation attestation is about other weights (another root digest)
  'SUBJECT_MISMATCH', // a signature or provenance is about another artifact (its subject digest differs)
  'POLICY_DENIED', // the policy does not allow it: no rule for the name, a kind or builder not allowed, lineage required
  'ATTESTATION_EXPIRED', // a provenance is older than the policy rule's maxAgeDays
  'LINEAGE_BROKEN', // a dependency named by digest has no signature/provenance where we were told to look
  'LINEAGE_MISMATCH', // an artifact given for a dependency is not the one bound by digest (look-alike, changed record)
  'LINEAGE_CYCLE', // following dependencies comes back to an artifact already on the path
  'LINEAGE_TOO_DEEP', // the chain is longer than the policy rule's maxDepth
  // Certificate-based signatures (Sigstore keyless, X.509 chains):
  'IDENTITY_MISMATCH', // the certificate's identity (SAN) or OIDC issuer is not the trusted one
  'CERTIFICATE_INVALID', // the signing certificate is malformed, expired at signing time or not for code signing
  'TRANSPARENCY_LOG_INVALID', // a Rekor entry, inclusion proof, SET, checkpoint or SCT does not verify or match
  'TIMESTAMP_INVALID', // an RFC 3161 timestamp does not verify, or too few verified timestamps
  // Load-time checks and the update gate:
  'PICKLE_REFUSED', // a pickle-based (code-executing) file, refused at load unless the policy allows it
  'DANGEROUS_IMPORT', // a pickle imports a global that can run code (os.system, builtins.eval, ...)
  'FORMAT_INVALID', // a model file's container is malformed (safetensors header, zip, pickle opcodes)
  'UNKNOWN_IMPORT', // a pickle imports or calls a global that is not on the load allowlist (UNSAFE_UNKNOWN)
  'UNSCANNABLE', // a file that may run code when loaded cannot be analysed (unsupported compression, HDF5, TorchScript, unknown format)
  'RELEASE_INVALID', // a release record or its envelope is malformed or of an unexpected type
  'CHANNEL_UNKNOWN', // the release record names a channel the policy does not define
  'THRESHOLD_NOT_MET', // fewer distinct trusted signers signed the release record than the channel needs
  'ROLLBACK', // the release version is not above the last accepted version of its channel (rollback or replay)
  'RELEASE_EXPIRED', // the release record's expiry has passed (freeze)
  'RELEASE_MISMATCH', // the artifacts given differ from the record's set or digests (mix-and-match)
  'CHANNEL_MISMATCH', // the release record is for another channel than the one the gate guards
  'FILES_NOT_SIGNED', // files are at hand but no accepted signature lists their names (a provenance binds only the root digest)
  'RULE_AMBIGUOUS', // the names that may choose the policy rule choose different rules (or none does); the deployer must name it
  'TIME_INVALID', // a provenance time is in the future (beyond the clock skew) or starts after it finishes
  // Runtime loaders (issue 21):
  'EXTERNAL_DATA_REFUSED', // an ONNX model's external data location leaves its folder, or names a file that is not signed
  // OCI registries (issue 20):
  'OCI_MANIFEST_INVALID', // a registry manifest or index is malformed, too large, of an unexpected type, or not the digest asked for
  'OCI_BLOB_MISMATCH', // a blob's bytes from the registry do not match its descriptor's digest or size
  'OCI_REDIRECT_REFUSED', // the registry redirected to another host (or too often)
] as const;

/** Codes whose failure means "the input or the invocation is wrong" (exit 2). */
const INPUT_CODES = [
  'USAGE_ERROR',
  'PATH_NOT_FOUND',
  'PATH_UNREADABLE',
  'SPECIAL_FILE', // FIFO, socket or device inside the artifact
  'SYMLINK_REFUSED',
  'SYMLINK_ESCAPES_ROOT',
  'UNSUPPORTED_NAME', // a file name we cannot represent (not UTF-8, contains a newline...)
  'FILE_CHANGED', // a file changed while it was being hashed
  'EMPTY_ARTIFACT',
  'SIGNATURE_NOT_FOUND',
  'KEY_INVALID',
  'KEY_UNSUPPORTED',
  'PASSPHRASE_REQUIRED',
  'PASSPHRASE_WRONG',
  'OUTPUT_EXISTS',
  'OUTPUT_UNSAFE',
  'POLICY_INVALID', // the policy file is malformed, has unknown fields or names missing files
  'LOCK_INVALID', // the lock file is malformed or has unknown fields
  'EVAL_RESULTS_INVALID', // an evaluation results or suite file is malformed or empty
  'TRUST_ROOT_INVALID', // a trusted_root.json or CA certificate file is malformed or unusable
  'SERVICE_ERROR', // a Sigstore service (Fulcio, Rekor, TSA, TUF) could not be reached or refused the request
  'FILE_TOO_LARGE', // a file is too large to be held in memory for verified reading (sign it with shards)
  'STATE_MISSING', // the gate's state is absent; pass --init on the first run only
  'STATE_CORRUPT', // the gate's state cannot be read or parsed; never reset silently
  'STATE_LOCKED', // another gate holds the state lock and did not release it in time
  'RUNTIME_UNAVAILABLE', // the optional runtime package a loader needs (onnxruntime-node, @huggingface/transformers) is not installed (issue 21)
  // Keys held elsewhere (issue 18): PKCS#11 tokens and external signers.
  'SIGNER_FAILED', // an external signer (exec:) or a token failed, timed out, or returned a signature that does not verify
  'PKCS11_UNAVAILABLE', // PKCS#11 support (the optional pkcs11js package) is not installed
  'PKCS11_MODULE_INVALID', // the module-path is not a loadable PKCS#11 module
  'TOKEN_NOT_FOUND', // no token (or more than one) matches the pkcs11: URI
  'TOKEN_KEY_NOT_FOUND', // no key object (or more than one) on the token matches the pkcs11: URI
  'TOKEN_PIN_WRONG', // the token refused the PIN (wrong, locked or missing)
  'SIGNATURE_TOO_LARGE', // sign: the signature would list more resources / bytes than verify accepts (issue 16)
  'PARTS_INVALID', // sign --from-manifest: partial manifests overlap, disagree or do not cover the tree (issue 16)
  // OCI registries (issue 20):
  'REGISTRY_ERROR', // the registry could not be reached, refused the credentials, or answered with an error
  'OCI_LAYER_UNSUPPORTED', // a layer is not one uncompressed file with a title (archives, compressed, untitled), or the signature is not files/sha256
  'INTERNAL_ERROR',
] as const;

export type RefusalCode = (typeof REFUSAL_CODES)[number];
export type InputCode = (typeof INPUT_CODES)[number];
export type ErrorCode = RefusalCode | InputCode;

export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_INPUT = 2;

const refusals: ReadonlySet<string> = new Set(REFUSAL_CODES);

export interface ErrorOptions {
  /** The file the problem is about; printed first in the one-line message. */
  file?: string;
  /** Machine-readable detail (e.g. the per-file differences), included in `--json`. */
  details?: unknown;
  cause?: unknown;
}

/** How much of a file path an error message shows. */
const FILE_LIMIT = 300;

export class ModelsealError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly details?: unknown;
  /** The message without the file in front (what a worker thread sends back with `file`). */
  readonly reason: string;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    // One line, bounded, nothing raw for a terminal, whatever the caller interpolated
    // (attacker strings should already be cut where the message is built: names/quoted).
    const where = options.file !== undefined ? `${displayText(options.file, FILE_LIMIT)}: ` : '';
    const reason = safeLine(message, LINE_LIMIT - where.length);
    super(where + reason, { cause: options.cause });
    this.reason = reason;
    this.name = 'ModelsealError';
    this.code = code;
    this.file = options.file;
    this.details = options.details;
  }

  get exitCode(): number {
    return exitCodeFor(this.code);
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.file !== undefined) out.file = this.file;
    if (this.details !== undefined) out.details = this.details;
    return out;
  }
}

export function exitCodeFor(code: ErrorCode): number {
  return refusals.has(code) ? EXIT_REFUSED : EXIT_INPUT;
}

export function isRefusal(code: ErrorCode): code is RefusalCode {
  return refusals.has(code);
}

/** All codes with their exit status, for documentation and tests. */
export const ERROR_CODES: ReadonlyArray<{ code: ErrorCode; exit: number }> = [
  ...REFUSAL_CODES.map((code) => ({ code, exit: EXIT_REFUSED })),
  ...INPUT_CODES.map((code) => ({ code, exit: EXIT_INPUT })),
];

/** Wraps a Node filesystem error into a ModelsealError naming the file. */
export function fsError(err: unknown, file: string): ModelsealError {
  if (err instanceof ModelsealError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ModelsealError('PATH_NOT_FOUND', 'no such file or directory', { file, cause: err });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new ModelsealError('PATH_UNREADABLE', 'permission denied', { file, cause: err });
  }
  if (code === 'ELOOP') {
    return new ModelsealError('SYMLINK_REFUSED', 'too many levels of symbolic links', { file, cause: err });
  }
  const reason = (err as Error)?.message ?? String(err);
  return new ModelsealError('PATH_UNREADABLE', reason, { file, cause: err });
}
