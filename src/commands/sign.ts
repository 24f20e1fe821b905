import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { plural } from '../cli/format';
import { digestFlags, digestOptionsFrom, passphraseEnvFlag, signatureFlag } from '../cli/flags';
import { readPassphrase } from '../cli/passphrase';
import { progressReporter } from '../cli/progress';
import { ModelsealError } from '../errors';
import { loadPrivateKey } from '../keys/load';
import { checkIdentityToken, resolveIdentityToken } from '../sign/identity-token';
import { signArtifact } from '../sign/sign-artifact';
import { SIGNATURE_FORMATS, type SignatureFormat } from '../sign/signature-path';

export default class Sign extends BaseCommand {
  static override summary = 'Sign a model, dataset or adapter (OpenSSF Model Signing v1.0 bundle, or a COSE_Sign1 signed statement).';
  static override description =
    'Three methods: a local key (--key), a key with its X.509 certificate chain (--key --certificate [--certificate-chain]), ' +
    'or Sigstore keyless (--sigstore): a short-lived Fulcio certificate for your OIDC identity, logged in Rekor. ' +
    'The identity token comes from --identity-token, else SIGSTORE_ID_TOKEN, else GitHub Actions ambient OIDC (id-token: write).';
  static override usage = [
    'sign ARTIFACT --key KEY [--certificate PEM [--certificate-chain PEM...]] [FLAGS]',
    'sign ARTIFACT --sigstore [--identity-token TOKEN] [--fulcio-url URL --rekor-url URL --tsa-url URL] [FLAGS]',
  ];
  static override examples = [
    '<%= config.bin %> sign ./my-model --key keys/publisher.key',
    '<%= config.bin %> sign ./adapter.safetensors --key keys/publisher.key   # writes ./adapter.safetensors.sig',
    '<%= config.bin %> sign ./my-model --key keys/publisher.key --format cose --issuer https://models.example.com   # writes ./my-model/model.cose',
    '<%= config.bin %> sign ./my-model --key leaf.key --certificate leaf.pem --certificate-chain intermediate.pem',
    '<%= config.bin %> sign ./my-model --sigstore                      # token from SIGSTORE_ID_TOKEN or GitHub Actions',
    '<%= config.bin %> sign ./my-model --sigstore --fulcio-url https://fulcio.internal --rekor-url https://rekor.internal --tsa-url https://tsa.internal/api/v1/timestamp',
  ];
  static override args = { artifact: Args.string({ description: 'A folder or a single file.', required: true }) };
  static override flags = {
    key: Flags.string({ char: 'k', description: 'PEM private key (PKCS#8 or SEC1; Ed25519, ECDSA P-256/P-384/P-521).', exclusive: ['sigstore'] }),
    'passphrase-env': passphraseEnvFlag,
    certificate: Flags.string({ description: 'PEM X.509 certificate of --key (certificate method); written into the bundle.', dependsOn: ['key'] }),
    'certificate-chain': Flags.string({ description: 'PEM intermediate certificate(s) towards the root, written after the signing certificate (repeatable).', multiple: true, dependsOn: ['certificate'] }),
    sigstore: Flags.boolean({ description: 'Sign keyless with Sigstore (Fulcio certificate + Rekor transparency log).', exclusive: ['key'] }),
    'identity-token': Flags.string({ description: 'OIDC identity token for --sigstore (default: $SIGSTORE_ID_TOKEN, else GitHub Actions ambient OIDC).', dependsOn: ['sigstore'] }),
    'fulcio-url': Flags.string({ description: 'Fulcio CA URL for --sigstore (default https://fulcio.sigstore.dev).', dependsOn: ['sigstore'] }),
    'rekor-url': Flags.string({ description: 'Rekor transparency log URL for --sigstore (default https://rekor.sigstore.dev).', dependsOn: ['sigstore'] }),
    'tsa-url': Flags.string({ description: 'RFC 3161 timestamp authority URL for --sigstore (none by default).', dependsOn: ['sigstore'] }),
    signature: signatureFlag,
    force: Flags.boolean({ description: 'Replace an existing signature file.' }),
    format: Flags.string({
      description: 'Signature format: an OMS Sigstore bundle (JSON), or a COSE_Sign1 SCITT signed statement (CBOR) over the same in-toto statement.',
      options: SIGNATURE_FORMATS as string[],
      default: 'bundle',
    }),
    issuer: Flags.string({ description: 'COSE only: the SCITT issuer claim (CWT iss), e.g. a DID or URL (default: the key hint).' }),
    subject: Flags.string({ description: "COSE only: the SCITT subject claim (CWT sub) (default: the artifact's name)." }),
    ...digestFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Sign);
    if (!flags.key && !flags.sigstore) throw new ModelsealError('USAGE_ERROR', 'choose a signing method: --key FILE, or --sigstore for keyless signing');
    const key = flags.key ? loadPrivateKey(flags.key, readPassphrase(flags['passphrase-env'])) : undefined;
    const sigstore = flags.sigstore
      ? { identityToken: checkedToken(await resolveIdentityToken(flags['identity-token'])), fulcioURL: flags['fulcio-url'], rekorURL: flags['rekor-url'], tsaURL: flags['tsa-url'] }
      : undefined;
    const certificate = flags.certificate ? { certificate: flags.certificate, chain: flags['certificate-chain'] } : undefined;
    const progress = progressReporter(!flags.json && !flags.quiet, 'signing');
    const result = await signArtifact(args.artifact, {
      ...digestOptionsFrom(flags),
      key,
      certificate,
      sigstore,
      signature: flags.signature,
      force: flags.force,
      format: flags.format as SignatureFormat,
      claims: { ...(flags.issuer !== undefined ? { issuer: flags.issuer } : {}), ...(flags.subject !== undefined ? { subject: flags.subject } : {}) },
      onProgress: progress.onProgress,
    }).finally(() => progress.done());
    const by =
      result.method === 'sigstore'
        ? `keyless as ${result.identity ?? '?'} (Rekor log index ${result.logIndex ?? '?'})`
        : result.method === 'certificate'
          ? `certificate ${result.identity} (${result.keyType} key ${result.keyHint.slice(0, 12)}…)`
          : `${result.keyType} key ${result.keyHint.slice(0, 12)}…`;
    this.report(
      {
        ok: true,
        artifact: result.artifact,
        signature: result.signature,
        format: result.format,
        digest: `sha256:${result.rootDigest}`,
        serialization: result.manifest.serialization.method,
        signingMethod: result.method,
        resources: result.manifest.resources.length,
        keyType: result.keyType,
        keyHint: result.keyHint,
        ...(result.identity !== undefined ? { identity: result.identity } : {}),
        ...(result.logIndex !== undefined ? { logIndex: result.logIndex } : {}),
      },
      `Signed ${args.artifact} (sha256:${result.rootDigest}, ${plural(result.manifest.resources.length, 'resource')}) with ${by} -> ${result.signature}`,
    );
  }
}

function checkedToken(token: string): string {
  checkIdentityToken(token); // before hashing and before any call to a Sigstore service
  return token;
}
