/**
 * model_signing and cosign spellings, accepted with the same meaning so that their users'
 * command lines run unchanged. oclif never lists flag aliases in help; they are documented in
 * docs/guide.md ("Coming from model_signing / cosign"). All alias definitions live here, so a
 * command file only wraps its flags with `withAliases(flags, SIGN_ALIASES)`.
 */
import * as path from 'node:path';
import * as Flags from '@oclif/core/flags';
import { ModelsealError } from '../api/errors';

type AliasTable = Readonly<Record<string, readonly string[]>>;

/** `sign`: model_signing's `sign key|certificate|sigstore` options, cosign's `--bundle`. */
export const SIGN_ALIASES: AliasTable = {
  key: ['private-key'],
  certificate: ['signing-certificate'],
  'default-ignores': ['ignore-git-paths'],
  signature: ['bundle'],
};

/** `verify`: model_signing's `verify key|certificate|sigstore` options, cosign's certificate matchers. */
export const VERIFY_ALIASES: AliasTable = {
  key: ['public-key'],
  identity: ['certificate-identity'],
  'identity-regexp': ['certificate-identity-regexp'],
  issuer: ['identity-provider', 'certificate-oidc-issuer'],
  // model_signing's `verify certificate --certificate-chain` is the set of certificates it trusts.
  'ca-roots': ['certificate-chain'],
  signature: ['bundle'],
  'default-ignores': ['ignore-git-paths'],
};

/** `digest`: model_signing's `digest` options. */
export const DIGEST_ALIASES: AliasTable = {
  'default-ignores': ['ignore-git-paths'],
};

/** Flags of our own (no model_signing spelling) that take a shell glob's many values: `--from-manifest parts/part-*.json`. */
const GREEDY_FLAGS: ReadonlySet<string> = new Set(['from-manifest']);

/**
 * A copy of a command's flags with the aliases of `table` added. Repeatable flags take one
 * value each (`--ignore-paths a --ignore-paths b`): model_signing's command lines put the
 * model path right after a repeatable option, which oclif would otherwise swallow as a value.
 */
export function withAliases<T extends Record<string, object>>(flags: T, table: AliasTable): T {
  const out: Record<string, object> = {};
  for (const [name, flag] of Object.entries(flags)) {
    out[name] = (flag as { multiple?: boolean }).multiple && !GREEDY_FLAGS.has(name) ? { ...flag, multipleNonGreedy: true } : flag;
  }
  for (const [name, aliases] of Object.entries(table)) {
    const flag = out[name] as { aliases?: string[] } | undefined;
    if (!flag) throw new Error(`compat alias for unknown flag --${name}`);
    out[name] = { ...flag, aliases: [...(flag.aliases ?? []), ...aliases] };
  }
  return out as T;
}

/** Flags that exist only for a switching user's command line; accepted and hidden. */
export const compatSignFlags = {
  'use-ambient-credentials': Flags.boolean({ hidden: true, description: 'model_signing: use ambient OIDC credentials (modelseal always tries GitHub Actions when no token is given).' }),
};

export const compatVerifyFlags = {
  'issuer-regexp': Flags.string({ aliases: ['certificate-oidc-issuer-regexp'], description: 'Trusted OIDC issuer as a regular expression that must match the whole issuer (instead of --issuer).', exclusive: ['issuer'] }),
  'allow-symlinks': Flags.boolean({ hidden: true, description: "model_signing: follow symlinks. modelseal follows them when the signature's allow_symlinks says they were followed when signing." }),
  offline: Flags.boolean({ hidden: true, description: 'cosign: verify offline. modelseal always verifies offline (against the trusted root on disk).' }),
};

/**
 * click (model_signing's CLI parser) turns `_` into `-` in option names, and its own scripts
 * still write `--private_key`, `--certificate_chain`, `--identity_provider`. Only the name part
 * of a `--long` token is rewritten, never a value, and nothing after `--`.
 */
export function normalizeUnderscoreFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  let rest = false;
  for (const token of argv) {
    if (rest || token === '--') {
      rest = true;
      out.push(token);
      continue;
    }
    const m = /^--([A-Za-z0-9][A-Za-z0-9_-]*)(=.*)?$/s.exec(token);
    out.push(m && m[1].includes('_') ? `--${m[1].replace(/_/g, '-')}${m[2] ?? ''}` : token);
  }
  return out;
}

/** model_signing's PKI method words: `sign key PATH`, `verify certificate PATH`, ... */
export const PKI_METHODS = ['key', 'certificate', 'sigstore'] as const;
export type PkiMethod = (typeof PKI_METHODS)[number];

/** The hidden second positional that makes `sign key PATH` / `verify key PATH` parse. */
export const methodPathArg = { hidden: true, description: 'With a model_signing method word first (key, certificate, sigstore): the artifact.' };

/**
 * Reads `sign|verify [METHOD] PATH`. With one positional it is the artifact (a folder may well
 * be called "key"); with two, the first must be a method word.
 */
export function splitMethod(first: string, second: string | undefined): { method?: PkiMethod; artifact: string } {
  if (second === undefined) return { artifact: first };
  if ((PKI_METHODS as readonly string[]).includes(first)) return { method: first as PkiMethod, artifact: second };
  if (first === 'pkcs11-key' || first === 'pkcs11-certificate') {
    throw new ModelsealError('USAGE_ERROR', `the model_signing method ${first} is not supported here; give the PKCS#11 key with --key (see docs/guide.md)`);
  }
  throw new ModelsealError('USAGE_ERROR', `unexpected argument ${JSON.stringify(second)}: give one artifact, or a method (${PKI_METHODS.join(', ')}) and then the artifact`);
}

/** Which signing flags each method word requires and refuses (model_signing's meaning). */
export function checkSignMethod(method: PkiMethod | undefined, flags: { key?: string; certificate?: string; sigstore?: boolean }): void {
  if (method === undefined) return;
  const fail = (m: string) => new ModelsealError('USAGE_ERROR', `sign ${method}: ${m}`);
  if (method === 'sigstore') {
    if (flags.key) throw fail('signs keyless; --key/--private-key belongs to `sign key` or `sign certificate`');
    return;
  }
  if (flags.sigstore) throw fail('--sigstore belongs to `sign sigstore`');
  if (!flags.key) throw fail('needs --private-key (or --key)');
  if (method === 'key' && flags.certificate) throw fail('--signing-certificate belongs to `sign certificate`');
  if (method === 'certificate' && !flags.certificate) throw fail('needs --signing-certificate (or --certificate)');
}

/** Which trust flags each method word requires and refuses. */
export function checkVerifyMethod(
  method: PkiMethod | undefined,
  flags: { key?: string[]; identity?: string; 'identity-regexp'?: string; 'ca-roots'?: string[]; policy?: string },
): void {
  if (method === undefined) return;
  const fail = (m: string) => new ModelsealError('USAGE_ERROR', `verify ${method}: ${m}`);
  const has = { key: (flags.key ?? []).length > 0, sigstore: flags.identity !== undefined || flags['identity-regexp'] !== undefined, certificate: (flags['ca-roots'] ?? []).length > 0 };
  if (flags.policy) throw fail('--policy chooses the signers itself; drop the method word');
  const need = { key: '--public-key (or --key)', sigstore: '--identity and --identity-provider (or --issuer)', certificate: '--certificate-chain (or --ca-roots)' };
  if (!has[method]) throw fail(`needs ${need[method]}`);
  for (const other of PKI_METHODS) if (other !== method && has[other]) throw fail(`${need[other]} belongs to \`verify ${other}\``);
}

/** model_signing's `sign METHOD` writes `model.sig` in the current folder unless --signature says otherwise. */
export function modelSigningSignaturePath(): string {
  return path.resolve('model.sig');
}
