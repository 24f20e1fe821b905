/**
 * `modelseal/load`: load-time checks: verified reads, the file-format analyser, pickle and safetensors scanning.
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as LoadVerifiedRead from '../load/verified-read';
import type * as LoadScanPath from '../load/scan-path';
import type * as LoadFileFormat from '../load/file-format';
import type * as LoadPickleScan from '../load/pickle-scan';
import type * as LoadPickleAllowlist from '../load/pickle-allowlist';
import type * as LoadSafetensors from '../load/safetensors';
import type * as LoadPolicyAllowance from '../load/policy-allowance';
import type * as LoadDisplay from '../load/display';

export type { LoadOptions, VerifiedManifest } from '../load/verified-read';
export declare const openVerified: typeof LoadVerifiedRead.openVerified;
export declare const readVerified: typeof LoadVerifiedRead.readVerified;
export type { ScanResult, FileScan } from '../load/scan-path';
export declare const scanPath: typeof LoadScanPath.scanPath;
export type { FileAnalysis, FileFormat, Reason, ReasonCode, AnalyzeOptions } from '../load/file-format';
export declare const analyzeFile: typeof LoadFileFormat.analyzeFile;
export declare const analyzeSource: typeof LoadFileFormat.analyzeSource;
export declare const describeProblems: typeof LoadFileFormat.describeProblems;
export type { PickleScan, PickleGlobal, Finding, FindingCode, Verdict } from '../load/pickle-scan';
export declare const scanPickle: typeof LoadPickleScan.scanPickle;
export declare const isDangerousGlobal: typeof LoadPickleScan.isDangerousGlobal;
export declare const verdictOf: typeof LoadPickleScan.verdictOf;
export declare const DEFAULT_ALLOWED_GLOBALS: typeof LoadPickleAllowlist.DEFAULT_ALLOWED_GLOBALS;
export type { SafetensorsInfo } from '../load/safetensors';
export declare const checkSafetensorsHeader: typeof LoadSafetensors.checkSafetensorsHeader;
export declare const SafetensorsError: typeof LoadSafetensors.SafetensorsError;
export type SafetensorsError = LoadSafetensors.SafetensorsError;
export declare const pickleAllowedBy: typeof LoadPolicyAllowance.pickleAllowedBy;
export declare const globalsAllowedBy: typeof LoadPolicyAllowance.globalsAllowedBy;
export declare const displayName: typeof LoadDisplay.displayName;

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.openVerified = exports.readVerified = exports.scanPath = exports.analyzeFile = exports.analyzeSource = exports.describeProblems = exports.scanPickle = exports.isDangerousGlobal = exports.verdictOf = exports.DEFAULT_ALLOWED_GLOBALS = exports.checkSafetensorsHeader = exports.SafetensorsError = exports.pickleAllowedBy = exports.globalsAllowedBy = exports.displayName = undefined;
lazyExports(exports, () => require('../load/verified-read') as typeof LoadVerifiedRead, ['openVerified', 'readVerified']);
lazyExports(exports, () => require('../load/scan-path') as typeof LoadScanPath, ['scanPath']);
lazyExports(exports, () => require('../load/file-format') as typeof LoadFileFormat, ['analyzeFile', 'analyzeSource', 'describeProblems']);
lazyExports(exports, () => require('../load/pickle-scan') as typeof LoadPickleScan, ['scanPickle', 'isDangerousGlobal', 'verdictOf']);
lazyExports(exports, () => require('../load/pickle-allowlist') as typeof LoadPickleAllowlist, ['DEFAULT_ALLOWED_GLOBALS']);
lazyExports(exports, () => require('../load/safetensors') as typeof LoadSafetensors, ['checkSafetensorsHeader', 'SafetensorsError']);
lazyExports(exports, () => require('../load/policy-allowance') as typeof LoadPolicyAllowance, ['pickleAllowedBy', 'globalsAllowedBy']);
lazyExports(exports, () => require('../load/display') as typeof LoadDisplay, ['displayName']);
