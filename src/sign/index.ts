export { signArtifact, signStatementWithKey, type SignOptions, type SignResult } from './sign-artifact';
export { signStatementCose, defaultCoseClaims } from './sign-cose';
export { defaultSignaturePath, defaultEvalSignaturePath, defaultProvenancePath, signatureInside, signatureIgnores, DEFAULT_SIGNATURE_NAME, DEFAULT_COSE_SIGNATURE_NAME, DEFAULT_PROVENANCE_NAME, SIGNATURE_FILE_NAMES, SIGNATURE_FORMATS, type SignatureFormat } from './signature-path';
export { subjectNameOf } from './subject-name';
