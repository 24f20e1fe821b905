export { checkStrictCbor, CborFormatError, type StrictCborOptions } from './cbor-strict';
export { COSE_ALG, COSE_ALG_NAMES, COSE_SIGN1_TAG, HEADER as COSE_HEADER, CLAIM as CWT_CLAIM, algName } from './headers';
export { encodeProtectedHeader, encodeCoseSign1, parseCoseSign1, sigStructure, type CoseClaims, type CoseProtectedHeader, type CoseSign1 } from './sign1';
export { readCoseHeaders, type CoseHeaders } from './read-headers';
export { looksLikeCose, COSE_EXTENSION } from './detect';
