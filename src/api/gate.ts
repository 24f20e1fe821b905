/**
 * `modelseal/gate`: the update gate: accept a release only if it is signed, newer, unexpired and names exactly the verified artifacts.
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as GateGate from '../gate/gate';
import type * as GateGateState from '../gate/gate-state';

export type { GateOptions, GateDecision } from '../gate/gate';
export type { ReleaseSigner } from '../gate/release-signers';
export declare const Gate: typeof GateGate.Gate;
export type Gate = GateGate.Gate;
export type { GateState, ChannelState, HistoryEntry } from '../gate/gate-state';
export declare const readState: typeof GateGateState.readState;

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.Gate = exports.readState = undefined;
lazyExports(exports, () => require('../gate/gate') as typeof GateGate, ['Gate']);
lazyExports(exports, () => require('../gate/gate-state') as typeof GateGateState, ['readState']);
