import { BUNDLE_MEDIA_TYPE } from './bundle';

/**
 * Serializes a certificate-method bundle as model_signing v1.1 writes it: the signing
 * certificate then its chain (base64 DER, leaf first), an empty tlogEntries list and
 * an empty keyid.
 */
export function certificateMaterial(chainDer: readonly Buffer[]): Record<string, unknown> {
  return { x509CertificateChain: { certificates: chainDer.map((der) => ({ rawBytes: der.toString('base64') })) }, tlogEntries: [] };
}

export function serializeCertificateBundle(envelope: { payloadType: string; payload: Buffer; signature: Buffer }, chainDer: readonly Buffer[]): string {
  return JSON.stringify({
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: certificateMaterial(chainDer),
    dsseEnvelope: {
      payload: envelope.payload.toString('base64'),
      payloadType: envelope.payloadType,
      signatures: [{ sig: envelope.signature.toString('base64'), keyid: '' }],
    },
  });
}
