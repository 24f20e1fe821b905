import type { X509Certificate } from 'node:crypto';
import { ASN1Obj, X509Certificate as ParsedCertificate } from '@sigstore/core';

/**
 * RFC 5280 §6 checks on a built certification path (leaf first, trusted root last) that
 * signature checks alone do not make: basic constraints path lengths, name constraints
 * (dNSName, rfc822Name, URI host, directoryName prefix) and critical extensions this
 * verifier does not process. Certificates are parsed by @sigstore/core's X.509/ASN.1
 * reader; there is no synchronous RFC 5280 validator for Node to delegate to (pkijs's is
 * WebCrypto-based and asynchronous, and our verifier is synchronous end to end), so the
 * few rules are written out here, each failing closed. `openssl verify` is the
 * independent peer the tests hold them against.
 */

const OID = {
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  extKeyUsage: '2.5.29.37',
  emailAddress: '1.2.840.113549.1.9.1',
};
const UNDERSTOOD_CRITICAL = new Set([OID.keyUsage, OID.subjectAltName, OID.basicConstraints, OID.nameConstraints, OID.extKeyUsage]);

const GENERAL_NAME = { 0: 'otherName', 1: 'rfc822Name', 2: 'dNSName', 3: 'x400Address', 4: 'directoryName', 5: 'ediPartyName', 6: 'uniformResourceIdentifier', 7: 'iPAddress', 8: 'registeredID' } as const;
type NameType = (typeof GENERAL_NAME)[keyof typeof GENERAL_NAME];
const CHECKED: ReadonlySet<NameType> = new Set(['rfc822Name', 'dNSName', 'directoryName', 'uniformResourceIdentifier']);

interface GeneralName {
  type: NameType;
  /** Text for the string forms; DER of each RDN for directoryName. */
  text?: string;
  rdns?: Buffer[];
}

function generalName(obj: ASN1Obj): GeneralName {
  const type = GENERAL_NAME[obj.tag.number as keyof typeof GENERAL_NAME] ?? 'otherName';
  if (type === 'directoryName') return { type, rdns: (obj.subs[0]?.subs ?? []).map((rdn) => rdn.toDER()) };
  return { type, text: obj.value.toString('latin1').toLowerCase() };
}

function parsed(cert: X509Certificate): ParsedCertificate {
  return ParsedCertificate.parse(cert.raw);
}

/** The names a certificate is known by: its subjectAltName entries, its subject and any emailAddress in it. */
function namesOf(cert: ParsedCertificate): GeneralName[] {
  const names: GeneralName[] = [];
  const san = cert.extension(OID.subjectAltName);
  if (san) for (const gn of san.valueObj.subs[0]?.subs ?? []) names.push(generalName(gn));
  const rdns = ASN1Obj.parseBuffer(Buffer.from(cert.subject)).subs;
  if (rdns.length > 0) names.push({ type: 'directoryName', rdns: rdns.map((r) => r.toDER()) });
  for (const rdn of rdns) {
    for (const atv of rdn.subs) {
      if (atv.subs[0]?.toOID() === OID.emailAddress) names.push({ type: 'rfc822Name', text: atv.subs[1].value.toString('latin1').toLowerCase() });
    }
  }
  return names;
}

function hostMatches(host: string, c: string): boolean {
  if (c === '') return true;
  return c.startsWith('.') ? host.endsWith(c) : host === c || host.endsWith(`.${c}`);
}

function matches(name: GeneralName, c: GeneralName): boolean {
  switch (c.type) {
    case 'dNSName':
      return hostMatches(name.text ?? '', c.text ?? '');
    case 'rfc822Name': {
      const text = name.text ?? '';
      if ((c.text ?? '').includes('@')) return text === c.text;
      const host = text.slice(text.lastIndexOf('@') + 1);
      return (c.text ?? '').startsWith('.') ? host.endsWith(c.text ?? '') : host === c.text;
    }
    case 'uniformResourceIdentifier': {
      let host: string;
      try {
        host = new URL(name.text ?? '').hostname.toLowerCase();
      } catch {
        return false;
      }
      if (host === '') return false;
      return (c.text ?? '').startsWith('.') ? host.endsWith(c.text ?? '') : host === c.text;
    }
    case 'directoryName': {
      const want = c.rdns ?? [];
      const have = name.rdns ?? [];
      return want.length <= have.length && want.every((rdn, i) => rdn.equals(have[i]));
    }
    default:
      return false;
  }
}

function subtrees(obj: ASN1Obj | undefined): GeneralName[] {
  return (obj?.subs ?? []).map((subtree) => generalName(subtree.subs[0]));
}

/** Why the path breaks a name constraint of `ca`, if it does; `below` are the certificates it issued, down to the leaf. */
function nameConstraintProblem(ca: ParsedCertificate, caName: string, below: ParsedCertificate[]): string | undefined {
  const ext = ca.extension(OID.nameConstraints);
  if (!ext) return undefined;
  let permitted: GeneralName[] = [];
  let excluded: GeneralName[] = [];
  for (const part of ext.valueObj.subs[0]?.subs ?? []) {
    if (part.tag.isContextSpecific(0)) permitted = subtrees(part);
    else if (part.tag.isContextSpecific(1)) excluded = subtrees(part);
  }
  const unsupported = [...permitted, ...excluded].find((c) => !CHECKED.has(c.type));
  if (unsupported) return `the CA certificate (${caName}) has name constraints of type ${unsupported.type}, which this verifier cannot check`;
  for (const cert of below) {
    for (const name of namesOf(cert)) {
      if (excluded.some((c) => c.type === name.type && matches(name, c))) return `a certificate issued under ${caName} has the ${name.type} ${JSON.stringify(name.text ?? 'subject')}, which its name constraints exclude`;
      const allowed = permitted.filter((c) => c.type === name.type);
      if (allowed.length > 0 && !allowed.some((c) => matches(name, c))) return `a certificate issued under ${caName} has the ${name.type} ${JSON.stringify(name.text ?? 'subject')}, outside its permitted names`;
    }
  }
  return undefined;
}

/**
 * Why a path (leaf first, root last) is not valid under RFC 5280's constraints, or
 * undefined. `names` gives each certificate's subject for messages.
 */
export function pathConstraintProblem(path: readonly X509Certificate[], names: (c: X509Certificate) => string): string | undefined {
  const certs = path.map(parsed);
  for (let i = 0; i < certs.length; i++) {
    // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue }
    const critical = certs[i].extensions.find((e) => e.subs.length === 3 && e.subs[1].toBoolean() && !UNDERSTOOD_CRITICAL.has(e.subs[0].toOID()));
    if (critical) return `the certificate ${names(path[i])} has a critical extension ${critical.subs[0].toOID()} that this verifier does not process`;
  }
  for (let k = 1; k < certs.length; k++) {
    const ca = certs[k];
    // Intermediates between this CA and the leaf (self-issued ones do not count, RFC 5280 §4.2.1.9).
    const between = certs.slice(1, k).filter((c) => !c.issuer.equals(c.subject)).length;
    const pathLen = ca.extBasicConstraints?.pathLenConstraint;
    if (pathLen !== undefined && BigInt(between) > pathLen) {
      return `the CA certificate ${names(path[k])} allows ${pathLen} intermediate certificate(s) below it (pathLenConstraint), this path has ${between}`;
    }
    const problem = nameConstraintProblem(ca, names(path[k]), certs.slice(0, k).filter((c, i) => i === 0 || !c.issuer.equals(c.subject)));
    if (problem) return problem;
  }
  return undefined;
}
