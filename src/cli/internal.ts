/**
 * The internal modules the CLI uses that are not library API: mapping flags to trust,
 * writing output files, and manifests and partial manifests written packed. The one file of src/cli and src/commands that may import outside
 * src/api (test/api-surface.test.ts keeps it so).
 */
export { trustedSignersFromFlags, type TrustFlags } from '../verify/signers-from-flags';
export { trustConfigFromFlags } from '../sign/client-trust-config';
export { signWarnings } from '../sign/sign-warnings';
export { checkOutputPath, writeFileAtomic } from '../util/atomic-write';
export { digestPackedPart } from '../digest-artifact';
export { resourceListOf } from '../digest/manifest';
export { partialManifestChunks } from '../statement/partial-manifest';
export { refuseOutputInside } from '../sign/signature-path';
