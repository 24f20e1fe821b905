export { signArtifact, signStatementWithKey, type SignOptions, type SignResult } from './sign-artifact';
export { defaultSignaturePath, defaultProvenancePath, attestationFilesInside, signatureInside, DEFAULT_SIGNATURE_NAME, DEFAULT_PROVENANCE_NAME } from './signature-path';
export { subjectNameOf } from './subject-name';
