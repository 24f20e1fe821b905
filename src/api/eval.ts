/**
 * `modelseal/eval`: evaluation attestations (in-toto test-result) and the policy checks that require them.
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as EvalAttestEval from '../eval/attest-eval';
import type * as EvalCheckEval from '../eval/check-eval';
import type * as EvalEvalResults from '../eval/eval-results';

export type { AttestEvalOptions, AttestEvalResult } from '../eval/attest-eval';
export declare const attestEval: typeof EvalAttestEval.attestEval;
export type { CheckEvalOptions, EvalCheck } from '../eval/check-eval';
export declare const checkEvalRequirements: typeof EvalCheckEval.checkEvalRequirements;
export type { EvalResults } from '../eval/eval-results';
export declare const readEvalResults: typeof EvalEvalResults.readEvalResults;
export declare const suiteDigest: typeof EvalEvalResults.suiteDigest;

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.attestEval = exports.checkEvalRequirements = exports.readEvalResults = exports.suiteDigest = undefined;
lazyExports(exports, () => require('../eval/attest-eval') as typeof EvalAttestEval, ['attestEval']);
lazyExports(exports, () => require('../eval/check-eval') as typeof EvalCheckEval, ['checkEvalRequirements']);
lazyExports(exports, () => require('../eval/eval-results') as typeof EvalEvalResults, ['readEvalResults', 'suiteDigest']);
