import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError } from '../errors';
import { digestArtifact } from '../digest-artifact';
import type { DigestOptions } from '../digest/manifest';
import { readBundle } from '../envelope/bundle';
import type { SigningKey } from '../keys/signing-key';
import { signStatementWithKey } from '../sign/sign-artifact';
import { defaultEvalSignaturePath, defaultSignaturePath, signatureInside } from '../sign/signature-path';
import { EVAL_SIGNATURE_NAME } from '../sign/signature-path';
import { subjectNameOf } from '../sign/subject-name';
import { readOmsStatement } from '../statement/oms';
import { buildEvalStatement, type TestResult } from '../statement/test-result';
import { writeFileAtomic } from '../util/atomic-write';
import { readEvalResults, suiteDigest } from './eval-results';

export interface AttestEvalOptions {
  /** The suite file that was run (its SHA-256 is bound into the attestation). */
  suite: string;
  /** The results file (schemas/eval-results.schema.json). */
  results: string;
  /** The evaluator's private key. */
  key: SigningKey;
  /** Where to write (default `<dir>/eval.sig` or `<file>.eval.sig`). */
  output?: string;
  force?: boolean;
  /**
   * How to hash the artifact. By default the serialization of its OMS signature (if
   * one is at the default place) so that the subject equals the signed root digest.
   */
  digest?: DigestOptions;
}

export interface AttestEvalResult {
  artifact: string;
  attestation: string;
  rootDigest: string;
  suite: { name: string; sha256: string };
  result: TestResult;
  counts: { passed: number; warned: number; failed: number };
  keyHint: string;
}

/** The serialization recorded in the artifact's own signature, read (not trusted) only to hash the same way. */
function signedDigestOptions(artifact: string): DigestOptions {
  const sig = defaultSignaturePath(artifact);
  if (!fs.existsSync(sig)) return {};
  const oms = readOmsStatement(readBundle(sig).envelope.payload, sig);
  const s = oms.manifest.serialization;
  return { method: s.method, hashType: s.hashType, shardSize: s.shardSize, allowSymlinks: s.allowSymlinks, ignorePaths: s.ignorePaths, noDefaultIgnores: true };
}

/**
 * Records who ran which evaluation suite on exactly which weights: an in-toto
 * test-result statement over the artifact's root digest, signed with the
 * evaluator's key and written beside the artifact. modelseal does not run models.
 */
export async function attestEval(artifact: string, options: AttestEvalOptions): Promise<AttestEvalResult> {
  const results = readEvalResults(options.results);
  const suite = { name: path.basename(options.suite), sha256: suiteDigest(options.suite) };
  const output = path.resolve(options.output ?? defaultEvalSignaturePath(artifact));
  const inside = signatureInside(artifact, output);
  if (inside !== undefined && inside !== EVAL_SIGNATURE_NAME) {
    throw new ModelsealError('USAGE_ERROR', `an evaluation attestation inside the artifact folder must be its top-level ${EVAL_SIGNATURE_NAME} (it would otherwise become part of the artifact)`, { file: output });
  }
  if (!options.force && fs.existsSync(output)) {
    throw new ModelsealError('OUTPUT_EXISTS', 'already exists; pass --force to replace it', { file: output });
  }
  const manifest = await digestArtifact(artifact, options.digest ?? signedDigestOptions(artifact));
  const statement = buildEvalStatement({
    subject: { name: subjectNameOf(artifact), rootDigest: manifest.rootDigest },
    suite,
    tests: results,
    url: results.url,
  });
  writeFileAtomic(output, signStatementWithKey(statement, options.key), { force: options.force });
  return {
    artifact: path.resolve(artifact),
    attestation: output,
    rootDigest: manifest.rootDigest,
    suite,
    result: statement.predicate.result,
    counts: { passed: results.passedTests.length, warned: results.warnedTests.length, failed: results.failedTests.length },
    keyHint: options.key.publicKey.hint,
  };
}
