/**
 * `modelseal/oci`: OCI registries: sign, verify, pull and attach signatures of models stored as OCI artifacts.
 * Each name loads its module on first use (util/lazy.ts).
 */
import { lazyExports } from '../util/lazy';
import type * as OciSignOci from '../oci/sign-oci';
import type * as OciVerifyOci from '../oci/verify-oci';
import type * as OciPullOci from '../oci/pull-oci';
import type * as OciAttachOci from '../oci/attach-oci';
import type * as OciReference from '../oci/reference';

export type { OciSignOptions, OciSignResult } from '../oci/sign-oci';
export declare const signOci: typeof OciSignOci.signOci;
export type { OciVerifyOptions, OciVerifyResult } from '../oci/verify-oci';
export declare const verifyOci: typeof OciVerifyOci.verifyOci;
export type { OciPullOptions, OciPullResult } from '../oci/pull-oci';
export declare const pullOci: typeof OciPullOci.pullOci;
export type { OciAttachResult } from '../oci/attach-oci';
export declare const attachOci: typeof OciAttachOci.attachOci;
export type { OciReference } from '../oci/reference';
export declare const isOciReference: typeof OciReference.isOciReference;
export declare const parseOciReference: typeof OciReference.parseOciReference;
export type { RegistryOptions } from '../oci/open-model';

// The names, for the static analysis that gives ES modules their named imports of CommonJS.
exports.signOci = exports.verifyOci = exports.pullOci = exports.attachOci = exports.isOciReference = exports.parseOciReference = undefined;
lazyExports(exports, () => require('../oci/sign-oci') as typeof OciSignOci, ['signOci']);
lazyExports(exports, () => require('../oci/verify-oci') as typeof OciVerifyOci, ['verifyOci']);
lazyExports(exports, () => require('../oci/pull-oci') as typeof OciPullOci, ['pullOci']);
lazyExports(exports, () => require('../oci/attach-oci') as typeof OciAttachOci, ['attachOci']);
lazyExports(exports, () => require('../oci/reference') as typeof OciReference, ['isOciReference', 'parseOciReference']);
