import * as path from 'node:path';

/** The OMS subject name: the artifact's base name, as model_signing records it. Informational only. */
export function subjectNameOf(artifact: string): string {
  const resolved = path.resolve(artifact);
  return path.basename(resolved) || resolved;
}
