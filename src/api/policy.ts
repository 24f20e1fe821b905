/**
 * `modelseal/policy`: policies: who is trusted for which artifacts and channels.
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as PolicyLoadPolicy from '../policy/load-policy';
import type * as PolicyRules from '../policy/rules';
import type * as PolicyVerifySigners from '../policy/verify-signers';

export declare const loadPolicy: typeof PolicyLoadPolicy.loadPolicy;
export declare const parsePolicy: typeof PolicyLoadPolicy.parsePolicy;
export declare const findRule: typeof PolicyRules.findRule;
export declare const ruleFor: typeof PolicyRules.ruleFor;
export type { SignerMatch } from '../policy/verify-signers';
export declare const verifyBundleAgainstSigners: typeof PolicyVerifySigners.verifyBundleAgainstSigners;
export type { Policy, PolicySigner, ArtifactRule, ChannelRule, EvalRequirement, LineageRequirement } from '../policy/policy-types';

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.loadPolicy = exports.parsePolicy = exports.findRule = exports.ruleFor = exports.verifyBundleAgainstSigners = undefined;
lazyExports(exports, () => require('../policy/load-policy') as typeof PolicyLoadPolicy, ['loadPolicy', 'parsePolicy']);
lazyExports(exports, () => require('../policy/rules') as typeof PolicyRules, ['findRule', 'ruleFor']);
lazyExports(exports, () => require('../policy/verify-signers') as typeof PolicyVerifySigners, ['verifyBundleAgainstSigners']);
