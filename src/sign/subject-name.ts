import * as path from 'node:path';
import { ModelsealError, type ErrorCode } from '../errors';
import { fileNameProblem, quoted } from '../names';

/** The OMS subject name: the artifact's base name, as model_signing records it. Informational only. */
export function subjectNameOf(artifact: string): string {
  const resolved = path.resolve(artifact);
  return path.basename(resolved) || resolved;
}

/** The subject name a signature will record must be a name we could print and verify: refused (before hashing) otherwise. */
export function checkSubjectName(subjectName: string, code: ErrorCode, file?: string): void {
  const problem = fileNameProblem(subjectName);
  if (problem) throw new ModelsealError(code, `the artifact's name ${quoted(subjectName)}, which the signature records, ${problem}`, { file });
}
