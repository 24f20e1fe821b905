import { ModelsealError } from '../errors';
import { conformanceSignBundle } from './sign-bundle';
import { conformanceVerifyBundle } from './verify-bundle';

const USAGE = `usage:
  sigstore-conformance verify-bundle [--staging] --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key KEY) [--trusted-root FILE] FILE_OR_DIGEST
  sigstore-conformance sign-bundle [--staging] [--in-toto] --identity-token TOKEN --bundle FILE [--trusted-root FILE] [--signing-config FILE] FILE`;

const VALUE_FLAGS = new Set(['--bundle', '--certificate-identity', '--certificate-oidc-issuer', '--key', '--trusted-root', '--identity-token', '--signing-config']);
const BOOL_FLAGS = new Set(['--staging', '--in-toto']);

interface Parsed {
  command: string;
  flags: Map<string, string>;
  bools: Set<string>;
  positional: string[];
}

function parse(argv: string[]): Parsed {
  const [command, ...rest] = argv;
  const flags = new Map<string, string>();
  const bools = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (VALUE_FLAGS.has(a)) {
      if (i + 1 >= rest.length) throw new ModelsealError('USAGE_ERROR', `${a} needs a value`);
      if (flags.has(a)) throw new ModelsealError('USAGE_ERROR', `${a} given twice`);
      flags.set(a, rest[++i]);
    } else if (BOOL_FLAGS.has(a)) {
      bools.add(a);
    } else if (a.startsWith('--')) {
      throw new ModelsealError('USAGE_ERROR', `unknown flag ${a}`);
    } else {
      positional.push(a);
    }
  }
  if (positional.length !== 1) throw new ModelsealError('USAGE_ERROR', 'expected exactly one FILE or digest');
  return { command: command ?? '', flags, bools, positional };
}

function required(p: Parsed, flag: string): string {
  const v = p.flags.get(flag);
  if (v === undefined) throw new ModelsealError('USAGE_ERROR', `${flag} is required`);
  return v;
}

/** Runs one sigstore-conformance command and returns the exit status (0 = success). */
export async function runConformance(argv: string[], stderr: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<number> {
  try {
    const p = parse(argv);
    if (p.command === 'verify-bundle') {
      conformanceVerifyBundle({
        bundle: required(p, '--bundle'),
        identity: p.flags.get('--certificate-identity'),
        issuer: p.flags.get('--certificate-oidc-issuer'),
        key: p.flags.get('--key'),
        trustedRoot: p.flags.get('--trusted-root'),
        staging: p.bools.has('--staging'),
        input: p.positional[0],
      });
      return 0;
    }
    if (p.command === 'sign-bundle') {
      await conformanceSignBundle({
        identityToken: required(p, '--identity-token'),
        bundle: required(p, '--bundle'),
        inToto: p.bools.has('--in-toto'),
        staging: p.bools.has('--staging'),
        signingConfig: p.flags.get('--signing-config'),
        input: p.positional[0],
      });
      return 0;
    }
    throw new ModelsealError('USAGE_ERROR', `unknown command ${JSON.stringify(p.command)}\n${USAGE}`);
  } catch (err) {
    const e = err instanceof ModelsealError ? err : new ModelsealError('BUNDLE_INVALID', `cannot be verified: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    stderr(`sigstore-conformance: ${e.message} [${e.code}]`);
    return e.exitCode;
  }
}
