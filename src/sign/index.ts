export { signArtifact, signStatementWithKey, type SignOptions, type SignResult } from './sign-artifact';
export { defaultSignaturePath, defaultEvalSignaturePath, signatureInside, DEFAULT_SIGNATURE_NAME } from './signature-path';
export { subjectNameOf } from './subject-name';
