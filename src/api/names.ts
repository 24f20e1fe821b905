/**
 * `modelseal/names`: escaping for display, and the confusable-name guard (NFKC, case folding, UTS #39 skeletons, edit distance).
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as NamesDisplay from '../names/display';
import type * as NamesSkeleton from '../names/skeleton';
import type * as GuardCheckName from '../guard/check-name';
import type * as GuardNearNameRefusal from '../guard/near-name-refusal';

export declare const quoted: typeof NamesDisplay.quoted;
export declare const quotedList: typeof NamesDisplay.quotedList;
export declare const displayText: typeof NamesDisplay.displayText;
export declare const escapeJsonText: typeof NamesDisplay.escapeJsonText;
export declare const safeLine: typeof NamesDisplay.safeLine;
export declare const skeleton: typeof NamesSkeleton.skeleton;
export type { NameCheck, NameMatch, NameReason, CheckNameOptions } from '../guard/check-name';
export declare const checkName: typeof GuardCheckName.checkName;
export declare const describeMatch: typeof GuardCheckName.describeMatch;
export type { NearNameOptions } from '../guard/near-name-refusal';
export declare const nearNameRefusal: typeof GuardNearNameRefusal.nearNameRefusal;

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.quoted = exports.quotedList = exports.displayText = exports.escapeJsonText = exports.safeLine = exports.skeleton = exports.checkName = exports.describeMatch = exports.nearNameRefusal = undefined;
lazyExports(exports, () => require('../names/display') as typeof NamesDisplay, ['quoted', 'quotedList', 'displayText', 'escapeJsonText', 'safeLine']);
lazyExports(exports, () => require('../names/skeleton') as typeof NamesSkeleton, ['skeleton']);
lazyExports(exports, () => require('../guard/check-name') as typeof GuardCheckName, ['checkName', 'describeMatch']);
lazyExports(exports, () => require('../guard/near-name-refusal') as typeof GuardNearNameRefusal, ['nearNameRefusal']);
