export { signArtifact, signStatementWithKey, type SignOptions, type SignResult } from './sign-artifact';
export { defaultSignaturePath, defaultEvalSignaturePath, signatureInside, signatureIgnores, DEFAULT_SIGNATURE_NAME, SIGNATURE_FILE_NAMES } from './signature-path';
export { subjectNameOf } from './subject-name';
