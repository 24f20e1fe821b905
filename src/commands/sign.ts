import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command';
import { plural } from '../cli/format';
import { digestFlags, digestOptionsFrom, passphraseEnvFlag, signatureFlag } from '../cli/flags';
import { readPassphrase } from '../cli/passphrase';
import { progressReporter } from '../cli/progress';
import { loadPrivateKey } from '../keys/load';
import { signArtifact } from '../sign/sign-artifact';
import { SIGNATURE_FORMATS, type SignatureFormat } from '../sign/signature-path';

export default class Sign extends BaseCommand {
  static override summary = 'Sign a model, dataset or adapter (OpenSSF Model Signing v1.0 bundle, or a COSE_Sign1 signed statement).';
  static override examples = [
    '<%= config.bin %> sign ./my-model --key keys/publisher.key',
    '<%= config.bin %> sign ./adapter.safetensors --key keys/publisher.key   # writes ./adapter.safetensors.sig',
    '<%= config.bin %> sign ./my-model --key keys/publisher.key --format cose --issuer https://models.example.com   # writes ./my-model/model.cose',
  ];
  static override args = { artifact: Args.string({ description: 'A folder or a single file.', required: true }) };
  static override flags = {
    key: Flags.string({ char: 'k', description: 'PEM private key (PKCS#8 or SEC1; Ed25519, ECDSA P-256/P-384/P-521).', required: true }),
    'passphrase-env': passphraseEnvFlag,
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
    const key = loadPrivateKey(flags.key, readPassphrase(flags['passphrase-env']));
    const progress = progressReporter(!flags.json && !flags.quiet, 'signing');
    const result = await signArtifact(args.artifact, {
      ...digestOptionsFrom(flags),
      key,
      signature: flags.signature,
      force: flags.force,
      format: flags.format as SignatureFormat,
      claims: { ...(flags.issuer !== undefined ? { issuer: flags.issuer } : {}), ...(flags.subject !== undefined ? { subject: flags.subject } : {}) },
      onProgress: progress.onProgress,
    }).finally(() => progress.done());
    this.report(
      {
        ok: true,
        artifact: result.artifact,
        signature: result.signature,
        format: result.format,
        digest: `sha256:${result.rootDigest}`,
        method: result.manifest.serialization.method,
        resources: result.manifest.resources.length,
        keyType: result.keyType,
        keyHint: result.keyHint,
      },
      `Signed ${args.artifact} (sha256:${result.rootDigest}, ${plural(result.manifest.resources.length, 'resource')}) with ${result.keyType} key ${result.keyHint.slice(0, 12)}… -> ${result.signature}`,
    );
  }
}
