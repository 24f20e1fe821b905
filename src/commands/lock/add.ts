import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command';
import { signatureFlag } from '../../cli/flags';
import { KEY_REFERENCE_HELP, publicKeyReferences, signerTimeoutFlag } from '../../cli/key-flags';
import { lockArtifact } from '../../api/lock';
import { trustedSignersFromFlags } from '../../cli/internal';

export default class LockAdd extends BaseCommand {
  static override summary = 'Pin an artifact name to its verified root digest and signer in modelseal.lock.';
  static override description =
    'Verifies the artifact with the given keys, Sigstore identity or CA roots (an artifact that does not verify is refused, exit 1) and records its name, kind, OMS root digest, serialization and the key that verified it. Paths are stored relative to the lock file. A name that looks like an already pinned name is refused (NEAR_NAME) unless --allow-near-name.';
  static override examples = [
    '<%= config.bin %> lock add meta-llama/Llama-2-7b ./models/llama-2-7b --key keys/meta.pub',
    '<%= config.bin %> lock add acme/tiny ./models/tiny --identity release@acme.example --issuer https://accounts.google.com',
    '<%= config.bin %> lock add acme/tiny ./models/tiny --ca-roots acme-root.pem',
    '<%= config.bin %> lock add my-org/instruct-v3 ./data/instruct-v3 --kind dataset --key keys/data-team.pub --lock deploy/modelseal.lock',
  ];
  static override args = {
    name: Args.string({ description: 'The name the artifact is known by (e.g. meta-llama/Llama-2-7b).', required: true }),
    path: Args.string({ description: 'The artifact: a folder or a single file, signed.', required: true }),
  };
  static override flags = {
    key: Flags.string({ char: 'k', description: `Trusted public key (repeatable); the one that verifies is pinned. Either ${KEY_REFERENCE_HELP}.`, multiple: true }),
    'signer-timeout': signerTimeoutFlag,
    identity: Flags.string({ description: 'Trusted Sigstore identity (certificate SAN), exact; the identity and issuer that verified are pinned.', exclusive: ['identity-regexp'] }),
    'identity-regexp': Flags.string({ description: 'Trusted Sigstore identity as a whole-value regular expression; the exact identity that verified is pinned.' }),
    issuer: Flags.string({ description: 'OIDC issuer of the Sigstore identity (required with --identity/--identity-regexp).' }),
    'trusted-root': Flags.string({ description: 'Sigstore trusted_root.json (default: `trust update` root, else the shipped public-good root).' }),
    'ca-roots': Flags.string({ description: 'PEM file of trusted X.509 CA root(s) (repeatable); the signing certificate\'s subject and the root that anchored it are pinned.', multiple: true }),
    'ca-intermediates': Flags.string({ description: 'PEM file of intermediate certificates (repeatable).', multiple: true, dependsOn: ['ca-roots'] }),
    kind: Flags.string({ description: 'What the artifact is: model, dataset, adapter, ...', default: 'model' }),
    lock: Flags.string({ char: 'l', description: 'The lock file (created if absent).', default: 'modelseal.lock' }),
    signature: signatureFlag,
    force: Flags.boolean({ description: 'Re-pin a name that is already pinned to another digest or signer.' }),
    'allow-near-name': Flags.boolean({ description: 'Pin the name even though it looks like another pinned name.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(LockAdd);
    const r = await lockArtifact(args.name, args.path, {
      lock: flags.lock,
      kind: flags.kind,
      keys: publicKeyReferences(flags.key ?? [], flags),
      signers: trustedSignersFromFlags({ ...flags, key: [] }),
      signature: flags.signature,
      force: flags.force,
      allowNearName: flags['allow-near-name'],
    });
    const signer = r.entry.signers[0];
    const who = signer.method === 'key' ? `key ${signer.keyHint.slice(0, 12)}…` : signer.method === 'sigstore' ? `${signer.identity} (issuer ${signer.issuer})` : `certificate ${JSON.stringify(signer.subject)} (root ${signer.rootFingerprint.slice(0, 12)}…)`;
    this.report(
      {
        ok: true,
        name: r.name,
        lock: r.lock,
        artifact: args.path,
        kind: r.entry.kind,
        digest: r.entry.digest,
        serialization: r.entry.serialization.method,
        hashType: r.entry.serialization.hashType,
        ...(signer.method === 'key'
          ? { signingMethod: 'key', keyHint: signer.keyHint }
          : signer.method === 'sigstore'
            ? { signingMethod: 'sigstore', identity: signer.identity, issuer: signer.issuer }
            : { signingMethod: 'certificate', identity: signer.subject, rootFingerprint: signer.rootFingerprint }),
        replaced: Boolean(r.replaced),
      },
      `${r.replaced ? 'Re-pinned' : 'Pinned'} ${r.name} (${r.entry.kind}) -> sha256:${r.entry.digest.sha256}, signer ${who} in ${r.lock}`,
    );
  }
}
