export { attestEval, type AttestEvalOptions, type AttestEvalResult } from './attest-eval';
export { checkEvalRequirements, type CheckEvalOptions, type EvalCheck } from './check-eval';
export { readEvalResults, suiteDigest, type EvalResults } from './eval-results';
