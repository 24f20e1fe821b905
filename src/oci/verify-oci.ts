import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelsealError } from '../errors';
import type { Manifest } from '../digest/manifest';
import type { PublicKeyInfo } from '../keys/key-types';
import type { Policy } from '../policy/policy-types';
import { ruleFor, signersNamed } from '../policy/rules';
import { trustedEntries } from '../policy/verify-signers';
import { DEFAULT_SIGNATURE_NAME } from '../sign/signature-path';
import { OMS_PREDICATE_TYPE, readOmsStatement } from '../statement/oms';
import { verifySignatureFile } from '../verify/signature-file';
import type { TrustedSigner, VerifiedSigner } from '../verify/trusted-signer';
import type { LayerFile } from './layer-files';
import { checkLayersMatchSigned } from './match-layers';
import { openModel, type OpenedModel, type RegistryOptions } from './open-model';
import { repositoryBaseName } from './reference';
import { findBundles } from './referrers';

export interface OciVerifyOptions extends RegistryOptions {
  signers?: readonly TrustedSigner[];
  /** Trust from a policy instead: the rule for `name` says who may sign. */
  policy?: Policy;
  /** The name that selects the policy rule (default: the repository's last path component). */
  name?: string;
  /**
   * Where to write each candidate bundle to verify it (default: a private temp folder,
   * removed after). `pull` passes its staging folder, so model.sig is what verified.
   */
  bundleDir?: string;
  /** `pull`: the rule's provenance, lineage and evaluation checks run on the pulled folder. */
  folderChecksFollow?: boolean;
}

export interface OciVerifyResult {
  opened: OpenedModel;
  pinned: string;
  manifestDigest: string;
  /** The signed manifest; equal, name for name and digest for digest, to the layers. */
  manifest: Manifest;
  files: LayerFile[];
  rootDigest: string;
  subjectName: string;
  predicateType: string;
  /** The referrer manifest whose bundle verified, and its bytes. */
  referrer: string;
  bundle: Buffer;
  signer: VerifiedSigner;
  keyType: PublicKeyInfo['type'];
  keyHint: string;
  via: 'api' | 'tag' | 'none';
  rule?: string;
}

const OMS_V1 = /^https:\/\/model_signing\/signature\/v1\.\d+$/;

/** Trusted signers from the policy rule for the name; refuses rules that need evidence only a folder has. */
export function policySigners(policy: Policy, name: string, folderChecksFollow = false): { signers: TrustedSigner[]; rule: string } {
  const rule = ruleFor(policy, name);
  if (!folderChecksFollow && (rule.lineage === 'required' || rule.kinds || rule.builders || rule.evals?.length || rule.maxAgeDays !== undefined)) {
    throw new ModelsealError('POLICY_DENIED', `the rule ${JSON.stringify(rule.name)} needs provenance, lineage or evaluations, which are checked on the pulled folder: use modelseal pull with --policy`);
  }
  return { signers: signersNamed(policy, rule.signers).flatMap((s) => trustedEntries(s)), rule: rule.name };
}

/**
 * Verifies a model in a registry without downloading a layer: finds the OMS bundles
 * attached to the manifest, verifies one through the same path as `modelseal verify`
 * (signature file → statement → OMS manifest) and checks that the layers are exactly
 * the signed files. Fails closed; the most specific refusal is reported.
 */
export async function verifyOci(reference: string, options: OciVerifyOptions): Promise<OciVerifyResult> {
  const opened = await openModel(reference, options);
  const name = options.name ?? repositoryBaseName(opened.ref);
  const { signers, rule } = options.policy ? policySigners(options.policy, name, options.folderChecksFollow) : { signers: [...(options.signers ?? [])], rule: undefined };
  if (signers.length === 0) throw new ModelsealError(options.policy ? 'UNTRUSTED_SIGNER' : 'USAGE_ERROR', 'no trusted signer was given (a public key, a Sigstore identity and issuer, or CA roots)');
  const found = await findBundles(opened.client, opened.descriptor.digest, (t) => t === undefined || OMS_V1.test(t));
  if (found.bundles.length === 0) {
    if (found.invalid.length) throw found.invalid[0];
    if (found.foreign.length) {
      throw new ModelsealError('SUBJECT_MISMATCH', `${opened.pinned}: the signature referrers listed for it (${found.foreign.slice(0, 3).join(', ')}) are attached to another manifest`);
    }
    throw new ModelsealError('SIGNATURE_NOT_FOUND', `${opened.pinned}: no model signature is attached (no ${OMS_PREDICATE_TYPE} bundle referrer)`);
  }
  const dir = options.bundleDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'modelseal-oci-'));
  const file = path.join(dir, DEFAULT_SIGNATURE_NAME);
  const errors: ModelsealError[] = [];
  let kept = false;
  try {
    for (const b of found.bundles) {
      try {
        fs.rmSync(file, { force: true });
        fs.writeFileSync(file, b.bundle, { flag: 'wx', mode: 0o644 });
        const { payload, signer } = verifySignatureFile(file, signers);
        const oms = readOmsStatement(payload, file);
        checkLayersMatchSigned(oms.manifest, opened.model.manifest, opened.pinned);
        kept = options.bundleDir !== undefined;
        return {
          opened,
          pinned: opened.pinned,
          manifestDigest: opened.descriptor.digest,
          manifest: oms.manifest,
          files: opened.model.files,
          rootDigest: oms.manifest.rootDigest,
          subjectName: oms.subjectName,
          predicateType: oms.predicateType,
          referrer: b.digest,
          bundle: b.bundle,
          signer,
          keyType: signer.keyType,
          keyHint: signer.keyHint,
          via: found.via,
          ...(rule !== undefined ? { rule } : {}),
        };
      } catch (err) {
        if (!(err instanceof ModelsealError)) throw err;
        // Name the referrer, not the temp file the bundle was verified from.
        const why = err.file === file && err.message.startsWith(`${file}: `) ? err.message.slice(file.length + 2) : err.message;
        errors.push(err.file === file ? new ModelsealError(err.code, `${opened.pinned} signature ${b.digest}: ${why}`, { details: err.details, cause: err }) : err);
      }
    }
  } finally {
    if (!options.bundleDir) fs.rmSync(dir, { recursive: true, force: true });
    else if (!kept) fs.rmSync(file, { force: true });
  }
  // The most telling refusal: a trusted bundle listing other files, then a signer problem, then junk.
  const malformed = new Set(['BUNDLE_INVALID', 'STATEMENT_INVALID', 'MANIFEST_INVALID']);
  throw errors.find((e) => e.code === 'ARTIFACT_MISMATCH' || e.code === 'OCI_LAYER_UNSUPPORTED') ?? errors.find((e) => !malformed.has(e.code)) ?? errors[0] ?? found.invalid[0];
}
