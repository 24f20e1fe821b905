import { ModelsealError } from '../errors';
import { DEFAULT_IGNORES } from '../digest/ignore';
import { rootDigestOf, resourceAlgorithm, type Manifest, type Serialization } from '../digest/manifest';
import { comparePaths } from '../digest/order';
import { checkFileNames } from '../names';
import { SIGNATURE_FILE_NAMES } from '../sign/signature-path';
import { isSafeRelativePath } from '../statement/oms';
import { FILEPATH_ANNOTATION, isArchiveLayer, isRawFileLayer, TITLE_ANNOTATION } from './media-types';
import type { Descriptor, ImageManifest } from './oci-manifest';

/** One model file carried by one layer. */
export interface LayerFile {
  /** The file's path in the model folder (model_signing's resource name). */
  name: string;
  /** The layer descriptor: its digest is the sha256 of the file's bytes, its size the file's length. */
  layer: Descriptor;
}

export interface LayerModel {
  /** The files-method manifest the layers stand for, as signing the pulled folder would compute it. */
  manifest: Manifest;
  /** In manifest (model_signing) order. */
  files: LayerFile[];
}

/**
 * What `modelseal sign DIR` records for a folder: model_signing's default ignores and our
 * signature file names. Signing from the registry records the same, so its statement is
 * byte-identical to the one signing the pulled folder makes.
 */
export function folderSerialization(): Serialization {
  return { method: 'files', hashType: 'sha256', allowSymlinks: false, ignorePaths: [...new Set([...DEFAULT_IGNORES, ...SIGNATURE_FILE_NAMES])] };
}

function unsupported(what: string, why: string): ModelsealError {
  return new ModelsealError('OCI_LAYER_UNSUPPORTED', `${what}: ${why}`);
}

function layerName(layer: Descriptor, what: string): string {
  const title = layer.annotations?.[TITLE_ANNOTATION];
  const filepath = layer.annotations?.[FILEPATH_ANNOTATION];
  const name = filepath ?? title;
  if (name === undefined || name === '') throw unsupported(what, `layer ${layer.digest} has no ${TITLE_ANNOTATION} annotation naming its file`);
  if (title !== undefined && filepath !== undefined && title !== filepath && title !== filepath.slice(filepath.lastIndexOf('/') + 1)) {
    throw unsupported(what, `layer ${layer.digest} names two files: title ${JSON.stringify(title.slice(0, 100))} and path ${JSON.stringify(filepath.slice(0, 100))}`);
  }
  if (Buffer.from(name, 'utf8').toString('utf8') !== name || /[\u0000-\u001f\u007f]/.test(name) || !isSafeRelativePath(name) || Buffer.byteLength(name) > 4096) {
    throw unsupported(what, `layer ${layer.digest} has an unsafe file name ${JSON.stringify(name.slice(0, 100))}`);
  }
  return name;
}

/** Names `verify DIR` would skip (default ignores, signature files): a layer there would be an unsigned file on disk. */
function isReserved(name: string, ignorePaths: readonly string[]): boolean {
  return ignorePaths.some((p) => name === p || name.startsWith(`${p}/`));
}

/**
 * Maps an OCI model manifest to the files-method OMS manifest: one file per layer, named
 * by its title (or ModelPack file path), its digest the layer's. Refuses archive or
 * compressed layers (their digest is not a file's), untitled layers, unsafe, duplicate,
 * reserved or clashing names (a file that is also a folder of another).
 */
export function layerModel(image: ImageManifest, what: string): LayerModel {
  const serialization = folderSerialization();
  const files: LayerFile[] = [];
  const names = new Set<string>();
  for (const layer of image.layers) {
    if (!isRawFileLayer(layer.mediaType)) {
      const kind = isArchiveLayer(layer.mediaType) ? 'an archive or compressed layer' : 'not a ModelPack raw file layer';
      throw unsupported(what, `layer ${layer.digest} (${JSON.stringify(layer.mediaType.slice(0, 100))}) is ${kind}: its digest is not the digest of one file; repack with one uncompressed .raw layer per file`);
    }
    const name = layerName(layer, what);
    if (names.has(name)) throw unsupported(what, `two layers name the same file ${JSON.stringify(name.slice(0, 100))}`);
    if (isReserved(name, serialization.ignorePaths)) throw unsupported(what, `layer ${layer.digest} names ${JSON.stringify(name.slice(0, 100))}, which a folder verification skips (reserved for signatures or ignored by default)`);
    names.add(name);
    files.push({ name, layer });
  }
  if (files.length === 0) throw new ModelsealError('EMPTY_ARTIFACT', `${what} has no layers: nothing to sign`);
  for (const f of files) {
    const parts = f.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (names.has(dir)) throw unsupported(what, `${JSON.stringify(dir.slice(0, 100))} is both a file and the folder of ${JSON.stringify(f.name.slice(0, 100))}`);
    }
  }
  // The folder the layers become must be one that `verify DIR` walks: the one name check.
  checkFileNames(files.map((f) => f.name), 'UNSUPPORTED_NAME', what);
  files.sort((a, b) => comparePaths(a.name, b.name));
  const algorithm = resourceAlgorithm(serialization);
  const resources = files.map((f) => ({ name: f.name, algorithm, digest: f.layer.digest.slice('sha256:'.length) }));
  return { manifest: { serialization, resources, rootDigest: rootDigestOf(resources) }, files };
}
