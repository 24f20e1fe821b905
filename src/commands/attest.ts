import { Args, Flags } from '@oclif/core';
import { BaseCommand, terminalText } from '../cli/base-command';
import { passphraseEnvFlag } from '../cli/flags';
import { keySourceJson, signerTimeoutFlag, signingKeyFlag, signingKeyFromFlags } from '../cli/key-flags';
import { ModelsealError } from '../api/errors';
import { attestEval } from '../api/eval';
import type { SigningKey } from '../api/keys';
import { attestArtifact } from '../index';
import { BUILD_KINDS, type BuildKind } from '../api/formats';
import { quoted } from '../api/names';

function parseParams(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new ModelsealError('USAGE_ERROR', `--param ${quoted(p)}: expected k=v`);
    const k = p.slice(0, eq);
    if (k in out) throw new ModelsealError('USAGE_ERROR', `--param ${k} is given twice`);
    out[k] = p.slice(eq + 1);
  }
  return out;
}

function parseTime(v: string | undefined, flag: string): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(d.getTime())) throw new ModelsealError('USAGE_ERROR', `--${flag} ${quoted(v)} is not an RFC 3339 time (e.g. 2026-11-26T04:00:00Z)`);
  return d;
}

export default class Attest extends BaseCommand {
  static override summary = 'Attest how an artifact was made: a signed SLSA Provenance v1 statement binding its inputs by digest.';
  static override description = `Writes <dir>/provenance.sig (or <file>.provenance.sig), a Sigstore bundle over an in-toto Statement v1 whose subject is the artifact's root digest (the one "modelseal digest" prints; provenance.sig itself is never hashed). Inputs given as paths are digested; inputs may also be given as sha256:HEX. See docs/lineage.md.`;
  static override examples = [
    '<%= config.bin %> attest ./data/instruct-v3 --kind dataset --source https://example.org/dump.tar@sha256:<hex> --license CC-BY-4.0 --key curator.key',
    '<%= config.bin %> attest ./out/adapter --kind lora --base ./models/base-7b --dataset ./data/instruct-v3 --builder-id https://ci.example.com/trainer --param lr=2e-4 --param epochs=3 --key trainer.key',
    '<%= config.bin %> attest ./out/ft-model --kind eval --suite ./canary/suite.jsonl --results ./canary/results.json --key evaluator.key',
    '<%= config.bin %> attest ./model-q4 --kind quantize --base sha256:<hex> --key quant.key --out attestations/model-q4.provenance.sig',
  ];
  static override args = { artifact: Args.string({ description: 'The artifact made: a folder or a single file.', required: true }) };
  static override flags = {
    kind: Flags.string({ description: 'How it was made (buildType https://modelseal.dev/buildtypes/<kind>/v1), or eval: an evaluation (canary) result for these weights.', options: [...BUILD_KINDS, 'eval'], required: true }),
    suite: Flags.string({ description: 'eval: the test suite file that was run (bound by its SHA-256).' }),
    results: Flags.string({ description: 'eval: the results file {passedTests, warnedTests, failedTests} (see docs/guards.md).' }),
    base: Flags.string({ description: 'Base model it was made from: a path (digested) or sha256:HEX (repeatable; lora, finetune, quantize: exactly one; merge: two or more; distill: the teacher(s)).', multiple: true }),
    dataset: Flags.string({ description: 'Dataset it was made from: a path (digested) or sha256:HEX (repeatable; train needs at least one).', multiple: true }),
    source: Flags.string({ description: 'Source it was made from, as URI@sha256:HEX (repeatable; recorded first, e.g. a dump or a code archive).', multiple: true }),
    'builder-id': Flags.string({ description: 'URI of the build platform or trainer (runDetails.builder.id; default https://modelseal.dev/builders/local/v1).' }),
    param: Flags.string({ description: 'A build parameter k=v, recorded as given in externalParameters (repeatable).', multiple: true }),
    license: Flags.string({ description: 'License of the artifact (e.g. an SPDX id), recorded in externalParameters.' }),
    notes: Flags.string({ description: 'Collection or build notes, recorded in externalParameters.' }),
    'started-on': Flags.string({ description: 'When the build started (RFC 3339).' }),
    'finished-on': Flags.string({ description: 'When the build finished (RFC 3339; default now).' }),
    key: signingKeyFlag({ description: 'The attester\'s signing key.', required: true }),
    'signer-timeout': signerTimeoutFlag,
    'passphrase-env': passphraseEnvFlag,
    out: Flags.string({ char: 'o', description: 'Where to write the attestation (default <dir>/provenance.sig or <file>.provenance.sig; e.g. into an attestation folder).' }),
    force: Flags.boolean({ description: 'Replace an existing attestation file.' }),
    format: Flags.string({ description: 'Attestation format: a DSSE Sigstore bundle, or a COSE_Sign1 SCITT signed statement (CBOR) over the same statement (default <dir>/provenance.cose).', options: ['bundle', 'cose'], default: 'bundle' }),
    issuer: Flags.string({ description: 'COSE only: the SCITT issuer claim (CWT iss) (default: the key hint).' }),
    subject: Flags.string({ description: "COSE only: the SCITT subject claim (CWT sub) (default: the artifact's name)." }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Attest);
    const key = signingKeyFromFlags(flags);
    if (flags.kind === 'eval') return this.attestEval(args.artifact, flags, key);
    for (const f of ['suite', 'results'] as const) if (flags[f] !== undefined) throw new ModelsealError('USAGE_ERROR', `--${f} applies only to --kind eval`);
    const result = await attestArtifact(args.artifact, {
      kind: flags.kind as BuildKind,
      key,
      bases: flags.base,
      datasets: flags.dataset,
      sources: flags.source,
      builderId: flags['builder-id'],
      parameters: parseParams(flags.param),
      license: flags.license,
      notes: flags.notes,
      startedOn: parseTime(flags['started-on'], 'started-on'),
      finishedOn: parseTime(flags['finished-on'], 'finished-on'),
      out: flags.out,
      force: flags.force,
      format: flags.format as 'bundle' | 'cose',
      claims: { ...(flags.issuer !== undefined ? { issuer: flags.issuer } : {}), ...(flags.subject !== undefined ? { subject: flags.subject } : {}) },
    });
    for (const w of result.warnings) if (!this.wantsJson()) process.stderr.write(terminalText([`modelseal attest: warning: ${w.message} [${w.code}]`]));
    this.report(
      {
        ok: true,
        artifact: result.artifact,
        provenance: result.provenance,
        ...(result.signature ? { signature: result.signature } : {}),
        format: flags.format,
        digest: `sha256:${result.rootDigest}`,
        subjectName: result.subjectName,
        kind: result.kind,
        buildType: result.statement.predicate.buildDefinition.buildType,
        builderId: result.statement.predicate.runDetails.builder.id,
        dependencies: result.dependencies.map((d) => ({ role: d.role, digest: `sha256:${d.sha256}`, ...(d.name ? { name: d.name } : {}), ...(d.uri ? { uri: d.uri } : {}) })),
        warnings: result.warnings,
        keyHint: key.publicKey.hint,
      },
      [
        `Attested ${args.artifact} (sha256:${result.rootDigest}) as ${result.kind} -> ${result.provenance}`,
        ...(result.signature ? [`  signed its files too (it had no signature; a provenance binds only the root digest) -> ${result.signature}`] : []),
        ...result.dependencies.filter((d) => d.role !== 'attestation').map((d) => `  ${d.role}: ${d.name ?? d.uri ?? '_'} sha256:${d.sha256.slice(0, 12)}…`),
      ],
    );
  }

  private async attestEval(artifact: string, flags: { suite?: string; results?: string; out?: string; force: boolean; base?: string[]; dataset?: string[]; source?: string[] }, key: SigningKey): Promise<void> {
    if (!flags.suite || !flags.results) throw new ModelsealError('USAGE_ERROR', '--kind eval needs --suite FILE and --results FILE');
    for (const f of ['base', 'dataset', 'source'] as const) if (flags[f]?.length) throw new ModelsealError('USAGE_ERROR', `--${f} does not apply to --kind eval`);
    const r = await attestEval(artifact, { suite: flags.suite, results: flags.results, key, output: flags.out, force: flags.force });
    this.report(
      { ok: true, artifact: r.artifact, attestation: r.attestation, kind: 'eval', suite: { name: r.suite.name, digest: `sha256:${r.suite.sha256}` }, result: r.result, counts: r.counts, keyHint: key.publicKey.hint },
      `Attested ${artifact}: ${r.result} on suite ${r.suite.name} (sha256:${r.suite.sha256.slice(0, 12)}…; ${r.counts.passed} passed, ${r.counts.warned} warned, ${r.counts.failed} failed) -> ${r.attestation}`,
    );
  }
}
