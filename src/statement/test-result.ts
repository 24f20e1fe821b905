import { ModelsealError } from '../errors';
import { isObject, STATEMENT_TYPE_V1, type ResourceDescriptor, type Statement } from './statement';
import { quoted } from '../names';

/** The in-toto test-result predicate (in-toto/attestation spec/predicates/test-result.md). */
export const TEST_RESULT_PREDICATE_TYPE = 'https://in-toto.io/attestation/test-result/v0.1';

export type TestResult = 'PASSED' | 'WARNED' | 'FAILED';
const RESULTS: readonly string[] = ['PASSED', 'WARNED', 'FAILED'];

export interface TestResultPredicate {
  result: TestResult;
  /** What was run: here the canary/eval suite file, by digest. */
  configuration: ResourceDescriptor[];
  url?: string;
  passedTests: string[];
  warnedTests: string[];
  failedTests: string[];
}

export interface TestLists {
  passedTests: string[];
  warnedTests: string[];
  failedTests: string[];
}

/** The overall result the lists imply: any failure fails, else any warning warns. */
export function resultOf(lists: TestLists): TestResult {
  if (lists.failedTests.length > 0) return 'FAILED';
  if (lists.warnedTests.length > 0) return 'WARNED';
  return 'PASSED';
}

export interface EvalStatementInput {
  /** The evaluated artifact: its name (informational) and OMS root digest (hex). */
  subject: { name: string; rootDigest: string };
  /** The suite that was run: its name and SHA-256 (hex). */
  suite: { name: string; sha256: string };
  tests: TestLists;
  url?: string;
}

/** An in-toto Statement v1 with the test-result predicate, whose subject is the model's root digest. */
export function buildEvalStatement(input: EvalStatementInput): Statement<TestResultPredicate> {
  const predicate: TestResultPredicate = {
    result: resultOf(input.tests),
    configuration: [{ name: input.suite.name, digest: { sha256: input.suite.sha256 } }],
    ...(input.url !== undefined ? { url: input.url } : {}),
    passedTests: [...input.tests.passedTests],
    warnedTests: [...input.tests.warnedTests],
    failedTests: [...input.tests.failedTests],
  };
  return {
    _type: STATEMENT_TYPE_V1,
    subject: [{ name: input.subject.name, digest: { sha256: input.subject.rootDigest } }],
    predicateType: TEST_RESULT_PREDICATE_TYPE,
    predicate,
  };
}

function stringList(v: unknown, field: string, bad: (m: string) => ModelsealError): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((t) => typeof t !== 'string')) throw bad(`predicate.${field} is not a list of test names`);
  return v as string[];
}

/** Parses a verified statement as a test-result attestation; the stated result can never be better than its lists. */
export function parseEvalStatement(statement: Statement, file?: string): TestResultPredicate {
  const bad = (m: string) => new ModelsealError('STATEMENT_INVALID', m, { file });
  if (statement.predicateType !== TEST_RESULT_PREDICATE_TYPE) {
    throw bad(`is not an evaluation attestation: predicateType ${quoted(statement.predicateType)}, expected ${TEST_RESULT_PREDICATE_TYPE}`);
  }
  const p = statement.predicate;
  if (typeof p.result !== 'string' || !RESULTS.includes(p.result)) throw bad(`predicate.result ${quoted(p.result)} is not PASSED, WARNED or FAILED`);
  if (!Array.isArray(p.configuration) || p.configuration.some((c) => !isObject(c))) throw bad('predicate.configuration is not a list of resource descriptors');
  if (p.url !== undefined && typeof p.url !== 'string') throw bad('predicate.url is not a string');
  const lists = {
    passedTests: stringList(p.passedTests, 'passedTests', bad),
    warnedTests: stringList(p.warnedTests, 'warnedTests', bad),
    failedTests: stringList(p.failedTests, 'failedTests', bad),
  };
  const implied = resultOf(lists);
  const order: TestResult[] = ['PASSED', 'WARNED', 'FAILED'];
  const result = order[Math.max(order.indexOf(p.result as TestResult), order.indexOf(implied))];
  return { result, configuration: p.configuration as ResourceDescriptor[], ...(p.url !== undefined ? { url: p.url as string } : {}), ...lists };
}
