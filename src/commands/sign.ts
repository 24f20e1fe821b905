import * as Args from '@oclif/core/args';
import { resourceCount } from '../api/digest';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base-command';
import { checkSignMethod, compatSignFlags, methodPathArg, modelSigningSignaturePath, SIGN_ALIASES, splitMethod, withAliases } from '../cli/compat-flags';
import { cliIgnorePaths } from '../cli/ignore-paths';
import { printWarnings, warningsJson } from '../cli/warnings';
import { signWarnings } from '../cli/internal';
import { certificateFlags, keylessFlags, signedByText, signerFromFlags } from '../cli/signer-flags';
import { plural } from '../cli/format';
import { digestFlags, digestOptionsFrom, passphraseEnvFlag, signatureFlag } from '../cli/flags';
import { progressReporter } from '../cli/progress';
import { ModelsealError } from '../api/errors';
import { keySourceJson, signerTimeoutFlag, signingKeyFlag } from '../cli/key-flags';
import { signFromManifests, type SignOptions, SIGNATURE_FORMATS, type SignatureFormat } from '../api/sign';
import { signArtifact } from '../index';
import { type OciSignOptions, isOciReference, signOci } from '../api/oci';
import { ociFlags, refuseFlags, registryOptionsFrom } from '../cli/oci-flags';

/** Flags that choose how files are hashed: the parts of --from-manifest and the layers of an OCI model decide that instead. */
const HASHING_FLAGS = ['method', 'shard-size', 'hash', 'ignore-paths', 'allow-symlinks', 'default-ignores', 'threads'];

export default class Sign extends BaseCommand {
  static override summary = 'Sign a model, dataset or adapter (OpenSSF Model Signing v1.0 bundle, or a COSE_Sign1 signed statement).';
  static override description =
    'Three methods: a local key (--key), a key with its X.509 certificate chain (--key --certificate [--certificate-chain]), ' +
    'or Sigstore keyless (--sigstore, the default without --key, as in model_signing): a short-lived Fulcio certificate for your OIDC identity, logged in Rekor. ' +
    'The identity token comes from --identity-token, else the CI or cloud environment (SIGSTORE_ID_TOKEN, GitHub Actions, Buildkite, CircleCI, Kubernetes, GCP), else, on a terminal, a browser login (docs/keys.md). ' +
    'A private Sigstore instance is named by --trust-config (a ClientTrustConfig file), the staging instance by --use-staging. ' +
    'model_signing command lines (`sign key|certificate|sigstore PATH ...`) work too: see docs/guide.md.';
  static override usage = [
    'sign ARTIFACT --key KEY [--certificate PEM [--certificate-chain PEM...]] [FLAGS]',
    'sign ARTIFACT [--sigstore] [--identity-token TOKEN] [--fulcio-url URL --rekor-url URL --tsa-url URL | --trust-config FILE | --use-staging] [FLAGS]',
    'sign [ARTIFACT] --key KEY --from-manifest PART.json... [--signature FILE]',
    'sign oci://HOST/REPO:TAG --key KEY | --sigstore [FLAGS]',
    'sign key|certificate|sigstore ARTIFACT [model_signing flags]',
  ];
  static override examples = [
    '<%= config.bin %> sign ./my-model --key keys/publisher.key',
    '<%= config.bin %> sign ./adapter.safetensors --key keys/publisher.key   # writes ./adapter.safetensors.sig',
    '<%= config.bin %> sign ./my-model --key keys/publisher.key --format cose --issuer https://models.example.com   # writes ./my-model/model.cose',
    "<%= config.bin %> sign ./my-model --key 'pkcs11:token=release;object=model-key?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/run/secrets/pin'",
    "<%= config.bin %> sign ./my-model --key 'exec:./aws-kms-signer.sh alias/model-release'   # any KMS through an adapter (docs/keys.md)",
    '<%= config.bin %> sign ./my-model --key leaf.key --certificate leaf.pem --certificate-chain intermediate.pem',
    '<%= config.bin %> sign ./my-model --sigstore                      # token from SIGSTORE_ID_TOKEN or GitHub Actions',
    '<%= config.bin %> sign ./dataset --key keys/publisher.key --from-manifest parts/part-*.json   # join the parts of digest --part, no re-hashing',
    '<%= config.bin %> sign --key keys/publisher.key --from-manifest digests.json --signature model.sig   # a digest list made elsewhere; the files are not checked',
    '<%= config.bin %> sign oci://registry.example.com/models/llama-ft:v1 --key keys/publisher.key   # signs from the manifest, attaches a referrer',
    '<%= config.bin %> sign ./my-model --sigstore --fulcio-url https://fulcio.internal --rekor-url https://rekor.internal --tsa-url https://tsa.internal/api/v1/timestamp',
  ];
  static override args = {
    artifact: Args.string({ description: 'A folder, a file or an oci:// reference (optional with --from-manifest: then the given digests are signed as they are).' }),
    path: Args.string(methodPathArg),
  };
  static override flags = withAliases({
    key: signingKeyFlag({ description: 'The signing key (Ed25519, ECDSA P-256/P-384/P-521).', exclusive: ['sigstore'] }),
    'passphrase-env': passphraseEnvFlag,
    'signer-timeout': signerTimeoutFlag,
    ...certificateFlags,
    ...keylessFlags,
    ...compatSignFlags,
    signature: signatureFlag,
    force: Flags.boolean({ description: 'Replace an existing signature file.' }),
    format: Flags.string({
      description: 'Signature format: an OMS Sigstore bundle (JSON), or a COSE_Sign1 SCITT signed statement (CBOR) over the same in-toto statement.',
      options: SIGNATURE_FORMATS as string[],
      default: 'bundle',
    }),
    issuer: Flags.string({ description: 'COSE only: the SCITT issuer claim (CWT iss), e.g. a DID or URL (default: the key hint).' }),
    subject: Flags.string({ description: "COSE only: the SCITT subject claim (CWT sub) (default: the artifact's name)." }),
    'from-manifest': Flags.string({
      description: 'Sign the digests of these manifests (from digest --part ... --manifest-out) instead of hashing (repeatable). With ARTIFACT, they must name exactly its files and sizes.',
      multiple: true,
      helpGroup: 'PARTS',
    }),
    ...digestFlags,
    ...ociFlags,
  }, SIGN_ALIASES);

  async run(): Promise<void> {
    const { args: rawArgs, flags } = await this.parse(Sign);
    if (rawArgs.artifact === undefined && !flags['from-manifest']) throw new ModelsealError('USAGE_ERROR', 'Missing 1 required arg: artifact (see --help)');
    const { method, artifact } = rawArgs.artifact === undefined ? { method: undefined, artifact: undefined } : splitMethod(rawArgs.artifact, rawArgs.path);
    checkSignMethod(method, flags);
    // No key means keyless, as model_signing's default method.
    const { key, certificate, sigstore, trust } = await signerFromFlags(flags, !flags.key);
    if (artifact !== undefined && isOciReference(artifact)) return this.runOci(artifact, { key, sigstore, certificate }, flags);
    refuseFlags(this.argv, Object.keys(ociFlags), 'applies to oci:// references only');
    const signOptions = {
      key,
      certificate,
      sigstore,
      signature: flags.signature ?? (method !== undefined ? modelSigningSignaturePath() : undefined),
      force: flags.force,
      format: flags.format as SignatureFormat,
      claims: { ...(flags.issuer !== undefined ? { issuer: flags.issuer } : {}), ...(flags.subject !== undefined ? { subject: flags.subject } : {}) },
    };
    if (flags['from-manifest'] || artifact === undefined) return this.fromManifest(artifact, flags['from-manifest'] ?? [], signOptions);
    const ignores = cliIgnorePaths(artifact, flags['ignore-paths']);
    printWarnings('sign', ignores.warnings, flags);
    const progress = progressReporter(!flags.json && !flags.quiet, 'signing');
    const result = await signArtifact(artifact, { ...digestOptionsFrom(flags, ignores.paths), ...signOptions, onProgress: progress.onProgress }).finally(() => progress.done());
    const by = signedByText(result);
    const late = signWarnings(result.keyType, result.format);
    printWarnings('sign', late, flags);
    const warnings = [...ignores.warnings, ...late];
    this.report(
      {
        ok: true,
        artifact: result.artifact,
        signature: result.signature,
        format: result.format,
        digest: `sha256:${result.rootDigest}`,
        serialization: result.manifest.serialization.method,
        signingMethod: result.method,
        resources: resourceCount(result.manifest),
        keyType: result.keyType,
        keyHint: result.keyHint,
        ...(key ? keySourceJson(key) : {}),
        ...(result.identity !== undefined ? { identity: result.identity } : {}),
        ...(result.logIndex !== undefined ? { logIndex: result.logIndex } : {}),
        ...(trust ? { trustConfig: trust.source } : {}),
        ...warningsJson(warnings),
      },
      `Signed ${artifact} (sha256:${result.rootDigest}, ${plural(resourceCount(result.manifest), 'resource')}) with ${by} -> ${result.signature}`,
    );
  }

  private async fromManifest(artifact: string | undefined, manifests: string[], options: SignOptions): Promise<void> {
    refuseFlags(this.argv, HASHING_FLAGS, 'cannot be used with --from-manifest: the manifests carry their serialization', SIGN_ALIASES);
    const result = await signFromManifests(artifact, manifests, options);
    const what = result.treeChecked
      ? `${artifact} from ${plural(result.parts, 'part')} (names and sizes checked against the tree, not re-hashed)`
      : `the digests of ${manifests.join(', ')} WITHOUT checking any files (no artifact given)`;
    this.report(
      {
        ok: true,
        ...(result.artifact !== undefined ? { artifact: result.artifact } : {}),
        signature: result.signature,
        format: result.format,
        digest: `sha256:${result.rootDigest}`,
        method: result.manifest.serialization.method,
        signingMethod: result.method,
        resources: resourceCount(result.manifest),
        fromManifest: { manifests: manifests.length, parts: result.parts, treeChecked: result.treeChecked },
        keyType: result.keyType,
        keyHint: result.keyHint,
        ...(result.identity !== undefined ? { identity: result.identity } : {}),
        ...(result.logIndex !== undefined ? { logIndex: result.logIndex } : {}),
      },
      `Signed ${what} (sha256:${result.rootDigest}, ${plural(resourceCount(result.manifest), 'resource')}) with ${signedByText(result)} -> ${result.signature}`,
    );
  }

  private async runOci(reference: string, method: Pick<OciSignOptions, 'key' | 'sigstore' | 'certificate'>, flags: { 'plain-http'?: boolean; 'registry-token'?: string }): Promise<void> {
    refuseFlags(this.argv, ['signature', 'force', 'format', 'issuer', 'subject', 'from-manifest', ...HASHING_FLAGS], 'does not apply to an oci:// reference (the signature is attached to the manifest; files/sha256 from the layers)', SIGN_ALIASES);
    const result = await signOci(reference, { ...method, ...registryOptionsFrom(flags) });
    this.report(
      {
        ok: true,
        artifact: result.pinned,
        manifestDigest: result.manifestDigest,
        referrer: result.referrer,
        attachedVia: result.via,
        digest: `sha256:${result.rootDigest}`,
        method: 'files',
        signingMethod: result.method,
        resources: resourceCount(result.manifest),
        keyType: result.keyType,
        keyHint: result.keyHint,
        ...(result.identity !== undefined ? { identity: result.identity } : {}),
        ...(result.logIndex !== undefined ? { logIndex: result.logIndex } : {}),
      },
      `Signed ${result.pinned} (sha256:${result.rootDigest}, ${plural(resourceCount(result.manifest), 'resource')}, no layer downloaded) with ${result.method === 'sigstore' ? `keyless as ${result.identity ?? '?'}` : `${result.keyType} key ${result.keyHint.slice(0, 12)}…`} -> referrer ${result.referrer} (${result.via === 'api' ? 'referrers API' : `tag ${result.manifestDigest.replace(':', '-')}`})`,
    );
  }
}
