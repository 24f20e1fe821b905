/**
 * Whether a document that names an artifact by its OMS root digest (a lock pin, a release
 * record's subject, an evaluation's subject) is about the artifact just verified. The root
 * digest does not cover file names: every caller asks this only after the files were checked
 * against a trusted signer's manifest (verify/match-files.ts), which is what accepts them;
 * this only says which artifact the document means.
 */
export function bindsVerifiedDigest(verifiedRoot: string, bound: string | readonly (string | undefined)[]): boolean {
  return typeof bound === 'string' ? bound === verifiedRoot : bound.includes(verifiedRoot);
}
