import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { readBundle } from '../envelope/bundle';
import type { ArtifactRule, EvalRequirement, Policy } from '../policy/policy-types';
import { defaultEvalSignaturePath } from '../sign/signature-path';
import { parseStatement } from '../statement/statement';
import { parseEvalStatement, type TestResult } from '../statement/test-result';
import { signersNamed } from '../policy/rules';
import { verifyBundleAgainstSigners } from '../policy/verify-signers';
import { bindsVerifiedDigest } from '../verify/bound-digest';
import { quoted } from '../names';

export interface CheckEvalOptions {
  /** Evaluation attestation files to consider (default: `<dir>/eval.sig` or `<file>.eval.sig`). */
  attestations?: string[];
}

export interface EvalCheck {
  suite: string;
  evaluator: string;
  result: TestResult;
  attestation: string;
}

const ACCEPTED: Record<NonNullable<EvalRequirement['require']>, readonly TestResult[]> = {
  pass: ['PASSED'],
  'pass-or-warn': ['PASSED', 'WARNED'],
};

const NOT_AN_EVALUATOR: readonly string[] = ['SIGNATURE_MISMATCH', 'UNTRUSTED_SIGNER', 'IDENTITY_MISMATCH'];

/** Checks one attestation file against one requirement; returns the evaluator, or throws the reason it does not count. */
function checkOne(file: string, rootDigest: string, req: EvalRequirement, policy: Policy): EvalCheck {
  const bundle = readBundle(file);
  let evaluator: string;
  try {
    evaluator = verifyBundleAgainstSigners(bundle, signersNamed(policy, req.evaluators), file).signer.name;
  } catch (err) {
    if (err instanceof ModelsealError && NOT_AN_EVALUATOR.includes(err.code)) {
      throw new ModelsealError('EVAL_UNTRUSTED_EVALUATOR', `is not signed by an evaluator the policy trusts for this suite (${req.evaluators.join(', ')})`, { file, cause: err });
    }
    throw err;
  }
  const statement = parseStatement(bundle.envelope.payload, file);
  const predicate = parseEvalStatement(statement, file);
  if (!bindsVerifiedDigest(rootDigest, statement.subject.map((s) => s.digest?.sha256))) {
    const got = statement.subject.map((s) => `sha256:${s.digest?.sha256 ?? '?'}`).join(', ');
    throw new ModelsealError('EVAL_SUBJECT_MISMATCH', `attests other weights (${got}), not sha256:${rootDigest}`, { file, details: { expected: rootDigest, subjects: statement.subject } });
  }
  const suiteHex = req.suite.slice('sha256:'.length);
  if (!predicate.configuration.some((c) => c.digest?.sha256 === suiteHex)) {
    const got = predicate.configuration.map((c) => `${c.name ?? '?'} sha256:${c.digest?.sha256 ?? '?'}`).join(', ');
    throw new ModelsealError('EVAL_SUITE_MISMATCH', `is for another suite (${got}), not ${req.suite}`, { file, details: { expected: req.suite, configuration: predicate.configuration } });
  }
  const require = req.require ?? 'pass';
  if (!ACCEPTED[require].includes(predicate.result)) {
    const failed = predicate.failedTests.length ? `; failed: ${predicate.failedTests.slice(0, 5).join(', ')}${predicate.failedTests.length > 5 ? ', …' : ''}` : '';
    throw new ModelsealError('EVAL_FAILED', `records ${predicate.result} for suite ${req.suite} by ${evaluator}; the policy requires ${require}${failed}`, {
      file,
      details: { result: predicate.result, failedTests: predicate.failedTests, warnedTests: predicate.warnedTests },
    });
  }
  return { suite: req.suite, evaluator, result: predicate.result, attestation: file };
}

/**
 * Enforces an artifact rule's `evals`: for each required suite, one evaluation
 * attestation signed by a named evaluator, for exactly these weights (`rootDigest`,
 * the verified OMS root digest), for exactly that suite digest, with an accepted
 * result. Throws the refusal (EVAL_MISSING, EVAL_FAILED, EVAL_UNTRUSTED_EVALUATOR,
 * EVAL_SUITE_MISMATCH, EVAL_SUBJECT_MISMATCH) naming the file; returns what was checked.
 */
export function checkEvalRequirements(artifactPath: string, rootDigest: string, rule: Pick<ArtifactRule, 'name' | 'evals'>, policy: Policy, options: CheckEvalOptions = {}): EvalCheck[] {
  const requirements = rule.evals ?? [];
  if (requirements.length === 0) return [];
  const files = (options.attestations ?? [defaultEvalSignaturePath(artifactPath)]).map((f) => path.resolve(f));
  const present = files.filter((f) => fs.existsSync(f));
  const checks: EvalCheck[] = [];
  for (const req of requirements) {
    if (present.length === 0) {
      throw new ModelsealError('EVAL_MISSING', `the policy rule ${quoted(rule.name)} requires a passing evaluation for suite ${req.suite} by ${req.evaluators.join(' or ')}, and there is no evaluation attestation (looked for ${files.join(', ')})`, {
        file: artifactPath,
        details: { suite: req.suite, looked: files },
      });
    }
    const failures: ModelsealError[] = [];
    let ok: EvalCheck | undefined;
    for (const f of present) {
      try {
        ok = checkOne(f, rootDigest, req, policy);
        break;
      } catch (err) {
        if (!(err instanceof ModelsealError)) throw err;
        failures.push(err);
      }
    }
    if (!ok) {
      const first = failures[0];
      throw new ModelsealError(first.code, first.message, {
        details: { suite: req.suite, failures: failures.map((e) => e.toJSON()) },
        cause: first,
      });
    }
    checks.push(ok);
  }
  return checks;
}
