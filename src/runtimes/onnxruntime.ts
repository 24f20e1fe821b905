/**
 * modelseal/onnxruntime: create an onnxruntime-node InferenceSession from a verified
 * artifact. The model and each of its external-data files are read once through the
 * verified reader and handed to the runtime as bytes, so nothing is opened by path
 * after verification; a refusal throws a ModelsealError before the runtime gets a byte.
 * `onnxruntime-node` is an optional peer dependency, loaded on the first call.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { ModelsealError, fsError } from '../errors';
import type { Manifest } from '../digest/manifest';
import { aboutExternalData, checkExternalDataRanges, externalDataFiles } from '../load/onnx-external-data';
import { readVerified } from '../load/verified-read';
import { parseShardName } from '../statement/oms';
import { requireRuntime } from './require-runtime';
import { sealedSessionOptions } from './sealed-session';
import { verifyForLoad, type RuntimeLoadHooks, type TrustOptions, type Verification } from './verify-source';

export type { TrustOptions, Verification, RuntimeLoadHooks } from './verify-source';
export { sealedSessionOptions } from './sealed-session';

export type OnnxSessionOptions = TrustOptions &
  RuntimeLoadHooks & {
    /** The .onnx file inside a folder artifact (default: its only signed .onnx file). */
    model?: string;
    /** Passed to InferenceSession.create, except `externalData`, which modelseal fills from verified bytes. */
    sessionOptions?: InferenceSession.SessionOptions;
  };

type Ort = typeof import('onnxruntime-node');

/** The signed file names of a manifest (shards collapsed to their file). */
function signedNames(manifest: Manifest): string[] {
  const shards = manifest.serialization.method === 'shards';
  return [...new Set(manifest.resources.map((r) => (shards ? (parseShardName(r.name)?.path ?? r.name) : r.name)))];
}

function modelName(verification: Verification, requested: string | undefined): string {
  if (requested !== undefined) return requested;
  let single: boolean;
  try {
    single = fs.statSync(verification.artifact).isFile();
  } catch (err) {
    throw fsError(err, verification.artifact);
  }
  if (single) return '.';
  const onnx = signedNames(verification.manifest).filter((n) => n.toLowerCase().endsWith('.onnx'));
  if (onnx.length === 1) return onnx[0];
  throw new ModelsealError('USAGE_ERROR', onnx.length === 0 ? 'has no signed .onnx file; name the model file with `model`' : `has ${onnx.length} signed .onnx files; name the one to load with \`model\``, { file: verification.artifact });
}

/** The bytes of the model and of every external-data file it names, each read through the verified reader. */
export async function readVerifiedOnnx(verification: Verification, model: string): Promise<{ model: Buffer; externalData: Array<{ path: string; data: Buffer }> }> {
  const { artifact, manifest } = verification;
  const bytes = await readVerified(artifact, model, manifest);
  const shownAs = model === '.' ? artifact : path.join(artifact, model);
  const externalData: Array<{ path: string; data: Buffer }> = [];
  for (const ref of externalDataFiles(model === '.' ? path.basename(artifact) : model, bytes, shownAs)) {
    try {
      // Raw tensor bytes the verified model points at: never deserialized, so no format to analyse.
      const data = await readVerified(artifact, ref.name, manifest, { allowUnscannable: true });
      checkExternalDataRanges(ref, data.length, shownAs);
      externalData.push({ path: ref.location, data });
    } catch (err) {
      if (!(err instanceof ModelsealError)) throw err;
      throw aboutExternalData(err, ref.location, model);
    }
  }
  return { model: bytes, externalData };
}

/**
 * Verifies `artifact` (a folder or a single .onnx file) against the trusted signers or
 * the policy, then creates the InferenceSession from the verified bytes of the model and
 * its external data. Throws ModelsealError on any refusal, before the runtime is called.
 */
export async function createVerifiedSession(artifact: string, options: OnnxSessionOptions): Promise<InferenceSession> {
  const { model, sessionOptions, onVerified, ...trust } = options;
  if (sessionOptions?.externalData !== undefined) {
    throw new ModelsealError('USAGE_ERROR', 'sessionOptions.externalData is filled by modelseal from the verified files; leave it out');
  }
  const ort = requireRuntime<Ort>('onnxruntime-node');
  const verification = await verifyForLoad(artifact, trust as TrustOptions);
  await onVerified?.(verification);
  const files = await readVerifiedOnnx(verification, modelName(verification, model));
  return ort.InferenceSession.create(files.model, sealedSessionOptions(sessionOptions, files.externalData));
}
