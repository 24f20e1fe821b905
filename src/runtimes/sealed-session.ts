import * as os from 'node:os';
import type { InferenceSession } from 'onnxruntime-node';

/**
 * Session options that keep the runtime off the disk: external data comes only from
 * mounted verified bytes; a location not mounted resolves under the null device, where
 * no file can exist (ONNX Runtime otherwise reads it relative to the working directory).
 */
export function sealedSessionOptions(base: InferenceSession.SessionOptions | undefined, externalData?: Array<{ path: string; data: Uint8Array }>): InferenceSession.SessionOptions {
  const extra = (base?.extra ?? {}) as Record<string, unknown>;
  const session = (extra.session ?? {}) as Record<string, unknown>;
  return {
    ...base,
    ...(externalData ? { externalData } : {}),
    extra: { ...extra, session: { ...session, model_external_initializers_file_folder_path: os.devNull } },
  };
}
