/** OCI, ModelPack and Sigstore media types the registry paths read and write. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
/** The empty config blob `{}` of artifact manifests (OCI image spec, "guidelines for artifact usage"). */
export const EMPTY_CONFIG = Buffer.from('{}');

export const MODELPACK_ARTIFACT = 'application/vnd.cncf.model.manifest.v1+json';
export const MODELPACK_CONFIG = 'application/vnd.cncf.model.config.v1+json';

export const SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** Annotations cosign and sigstore-js put on bundle referrers (hints only: the bundle itself is verified). */
export const BUNDLE_CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';
export const BUNDLE_PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
export const CREATED_ANNOTATION = 'org.opencontainers.image.created';

export const TITLE_ANNOTATION = 'org.opencontainers.image.title';
/** ModelPack's relative file path of a layer (when a file sits in a sub-folder). */
export const FILEPATH_ANNOTATION = 'org.cncf.model.filepath';

/** ModelPack layer kinds; each comes as `.v1.raw` (one uncompressed file) or an archive. */
const MODELPACK_KINDS = ['weight', 'weight.config', 'doc', 'code', 'dataset'];
const RAW_LAYER_TYPES: ReadonlySet<string> = new Set(MODELPACK_KINDS.map((k) => `application/vnd.cncf.model.${k}.v1.raw`));

/** One uncompressed file per layer: its digest is the sha256 of the file's bytes. */
export function isRawFileLayer(mediaType: string): boolean {
  return RAW_LAYER_TYPES.has(mediaType);
}

export function isArchiveLayer(mediaType: string): boolean {
  return /\.tar(\+gzip|\+zstd)?$|tar\.gzip$|\+gzip$|\+zstd$/.test(mediaType);
}
