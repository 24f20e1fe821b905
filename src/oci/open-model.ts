import { dockerConfigCredentials, type RegistryCredentials } from './credentials';
import { layerModel, type LayerModel } from './layer-files';
import { OCI_MANIFEST } from './media-types';
import { parseImageManifest, type Descriptor, type ImageManifest } from './oci-manifest';
import { formatReference, parseOciReference, type OciReference } from './reference';
import { RegistryClient } from './registry-client';

/** How to reach a registry (the CLI's --plain-http, --registry-token, Docker config). */
export interface RegistryOptions {
  /** Plain HTTP, loopback registries only. */
  plainHttp?: boolean;
  /** A bearer token for the registry (else Docker config credentials, else anonymous). */
  registryToken?: string;
  /** Docker config file to read credentials from (default $DOCKER_CONFIG/config.json or ~/.docker/config.json). */
  dockerConfig?: string;
  /** Longest wait for a registry's headers, and between two chunks of a body (default 60 s). */
  timeoutMs?: number;
}

export interface OpenedModel {
  ref: OciReference;
  client: RegistryClient;
  /** The model manifest as fetched, and its digest (of those bytes). */
  descriptor: Descriptor;
  image: ImageManifest;
  model: LayerModel;
  /** `oci://host/repo@sha256:…` of exactly what was read. */
  pinned: string;
}

export function registryClient(ref: OciReference, options: RegistryOptions): RegistryClient {
  const credentials: RegistryCredentials | undefined = options.registryToken ? { token: options.registryToken } : dockerConfigCredentials(ref.registry, options.dockerConfig);
  return new RegistryClient(ref, { plainHttp: options.plainHttp, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), ...(credentials ? { credentials } : {}) });
}

/**
 * Resolves a reference once (a tag is read once and pinned to the digest of the bytes
 * received) and maps its layers to the files-method manifest. No layer is downloaded.
 */
export async function openModel(reference: string, options: RegistryOptions): Promise<OpenedModel> {
  const ref = parseOciReference(reference);
  const client = registryClient(ref, options);
  const fetched = (await client.getManifest(ref.digest ?? (ref.tag as string), [OCI_MANIFEST]))!;
  const what = formatReference(ref, fetched.digest);
  const image = parseImageManifest(fetched.bytes, what);
  const model = layerModel(image, what);
  return { ref, client, descriptor: { mediaType: OCI_MANIFEST, digest: fetched.digest, size: fetched.bytes.length }, image, model, pinned: what };
}
