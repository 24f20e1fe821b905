export { signOci, type OciSignOptions, type OciSignResult } from './sign-oci';
export { verifyOci, type OciVerifyOptions, type OciVerifyResult } from './verify-oci';
export { pullOci, type OciPullOptions, type OciPullResult } from './pull-oci';
export { isOciReference, parseOciReference, type OciReference } from './reference';
export type { RegistryOptions } from './open-model';
export { attachOci, type OciAttachResult } from './attach-oci';
