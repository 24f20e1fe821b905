/**
 * `modelseal/formats`: Sigstore bundles, DSSE, COSE_Sign1 and in-toto statements (OMS signature, SLSA provenance, test results). Parsing here checks structure only; nothing is trusted.
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as EnvelopeBundle from '../envelope/bundle';
import type * as EnvelopeDsse from '../envelope/dsse';
import type * as EnvelopeCoseSign1 from '../envelope/cose/sign1';
import type * as EnvelopeCoseCborStrict from '../envelope/cose/cbor-strict';
import type * as EnvelopeCoseHeaders from '../envelope/cose/headers';
import type * as StatementStatement from '../statement/statement';
import type * as StatementOms from '../statement/oms';
import type * as StatementProvenance from '../statement/provenance';
import type * as StatementTestResult from '../statement/test-result';

export type { SignatureBundle } from '../envelope/bundle';
export declare const readBundle: typeof EnvelopeBundle.readBundle;
export declare const parseBundle: typeof EnvelopeBundle.parseBundle;
export declare const BUNDLE_MEDIA_TYPE: typeof EnvelopeBundle.BUNDLE_MEDIA_TYPE;
export type { DsseEnvelope } from '../envelope/dsse';
export declare const preAuthEncoding: typeof EnvelopeDsse.preAuthEncoding;
export declare const IN_TOTO_PAYLOAD_TYPE: typeof EnvelopeDsse.IN_TOTO_PAYLOAD_TYPE;
export type { CoseSign1, CoseClaims } from '../envelope/cose/sign1';
export declare const parseCoseSign1: typeof EnvelopeCoseSign1.parseCoseSign1;
export declare const checkStrictCbor: typeof EnvelopeCoseCborStrict.checkStrictCbor;
export declare const CborFormatError: typeof EnvelopeCoseCborStrict.CborFormatError;
export type CborFormatError = EnvelopeCoseCborStrict.CborFormatError;
export declare const COSE_ALG: typeof EnvelopeCoseHeaders.COSE_ALG;
export declare const COSE_SIGN1_TAG: typeof EnvelopeCoseHeaders.COSE_SIGN1_TAG;
export type { Statement } from '../statement/statement';
export declare const parseStatement: typeof StatementStatement.parseStatement;
export declare const serializeStatement: typeof StatementStatement.serializeStatement;
export declare const STATEMENT_TYPE_V1: typeof StatementStatement.STATEMENT_TYPE_V1;
export type { OmsStatement } from '../statement/oms';
export declare const buildOmsStatement: typeof StatementOms.buildOmsStatement;
export declare const parseOmsStatement: typeof StatementOms.parseOmsStatement;
export declare const OMS_PREDICATE_TYPE: typeof StatementOms.OMS_PREDICATE_TYPE;
export type { BuildKind, Dependency, DependencyRole, Provenance, ProvenanceInput, ProvenancePredicate } from '../statement/provenance';
export declare const buildProvenanceStatement: typeof StatementProvenance.buildProvenanceStatement;
export declare const parseProvenance: typeof StatementProvenance.parseProvenance;
export declare const buildTypeFor: typeof StatementProvenance.buildTypeFor;
export declare const kindOfBuildType: typeof StatementProvenance.kindOfBuildType;
export declare const BUILD_KINDS: typeof StatementProvenance.BUILD_KINDS;
export declare const SLSA_PROVENANCE_V1: typeof StatementProvenance.SLSA_PROVENANCE_V1;
export declare const DEFAULT_BUILDER_ID: typeof StatementProvenance.DEFAULT_BUILDER_ID;
export type { TestResultPredicate } from '../statement/test-result';
export declare const buildEvalStatement: typeof StatementTestResult.buildEvalStatement;
export declare const parseEvalStatement: typeof StatementTestResult.parseEvalStatement;
export declare const TEST_RESULT_PREDICATE_TYPE: typeof StatementTestResult.TEST_RESULT_PREDICATE_TYPE;

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.readBundle = exports.parseBundle = exports.BUNDLE_MEDIA_TYPE = exports.preAuthEncoding = exports.IN_TOTO_PAYLOAD_TYPE = exports.parseCoseSign1 = exports.checkStrictCbor = exports.CborFormatError = exports.COSE_ALG = exports.COSE_SIGN1_TAG = exports.parseStatement = exports.serializeStatement = exports.STATEMENT_TYPE_V1 = exports.buildOmsStatement = exports.parseOmsStatement = exports.OMS_PREDICATE_TYPE = exports.buildProvenanceStatement = exports.parseProvenance = exports.buildTypeFor = exports.kindOfBuildType = exports.BUILD_KINDS = exports.SLSA_PROVENANCE_V1 = exports.DEFAULT_BUILDER_ID = exports.buildEvalStatement = exports.parseEvalStatement = exports.TEST_RESULT_PREDICATE_TYPE = undefined;
lazyExports(exports, () => require('../envelope/bundle') as typeof EnvelopeBundle, ['readBundle', 'parseBundle', 'BUNDLE_MEDIA_TYPE']);
lazyExports(exports, () => require('../envelope/dsse') as typeof EnvelopeDsse, ['preAuthEncoding', 'IN_TOTO_PAYLOAD_TYPE']);
lazyExports(exports, () => require('../envelope/cose/sign1') as typeof EnvelopeCoseSign1, ['parseCoseSign1']);
lazyExports(exports, () => require('../envelope/cose/cbor-strict') as typeof EnvelopeCoseCborStrict, ['checkStrictCbor', 'CborFormatError']);
lazyExports(exports, () => require('../envelope/cose/headers') as typeof EnvelopeCoseHeaders, ['COSE_ALG', 'COSE_SIGN1_TAG']);
lazyExports(exports, () => require('../statement/statement') as typeof StatementStatement, ['parseStatement', 'serializeStatement', 'STATEMENT_TYPE_V1']);
lazyExports(exports, () => require('../statement/oms') as typeof StatementOms, ['buildOmsStatement', 'parseOmsStatement', 'OMS_PREDICATE_TYPE']);
lazyExports(exports, () => require('../statement/provenance') as typeof StatementProvenance, ['buildProvenanceStatement', 'parseProvenance', 'buildTypeFor', 'kindOfBuildType', 'BUILD_KINDS', 'SLSA_PROVENANCE_V1', 'DEFAULT_BUILDER_ID']);
lazyExports(exports, () => require('../statement/test-result') as typeof StatementTestResult, ['buildEvalStatement', 'parseEvalStatement', 'TEST_RESULT_PREDICATE_TYPE']);
