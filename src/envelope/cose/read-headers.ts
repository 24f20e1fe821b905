import { ModelsealError } from '../../errors';
import { quoted } from '../../names';
import { algName, CLAIM, COSE_ALG_NAMES, HEADER, UNDERSTOOD_LABELS } from './headers';
import type { CoseClaims, CoseSign1 } from './sign1';

/** The checked protected header of a COSE_Sign1 message we accept. */
export interface CoseHeaders {
  alg: number;
  contentType: string;
  /** Informational only, like a bundle's key hint: every trusted key is tried. */
  kid?: Buffer;
  claims: CoseClaims;
}

type Header = Map<number | string, unknown>;

function invalid(file: string | undefined, message: string): ModelsealError {
  return new ModelsealError('BUNDLE_INVALID', `COSE_Sign1: ${message}`, { file });
}

function label(l: number | string): string {
  return typeof l === 'number' ? String(l) : quoted(l, 40);
}

/** crit (RFC 9052 §3.1): a non-empty list of labels, each present in the protected header and understood by us. */
function checkCrit(h: Header, file?: string): void {
  const crit = h.get(HEADER.crit);
  if (crit === undefined) return;
  if (!Array.isArray(crit) || crit.length === 0) throw invalid(file, 'crit (label 2) is not a non-empty list of labels');
  for (const l of crit) {
    if (typeof l !== 'number' && typeof l !== 'string') throw invalid(file, 'crit (label 2) holds something other than a label');
    if (typeof l !== 'number' || !UNDERSTOOD_LABELS.includes(l) || l === HEADER.crit) {
      throw invalid(file, `unknown critical header ${label(l)} (listed in crit); refusing what we cannot process`);
    }
    if (!h.has(l)) throw invalid(file, `crit lists label ${l}, which is not in the protected header`);
  }
}

function checkUnprotected(u: Header, file?: string): void {
  if (u.has(HEADER.receipts)) {
    throw new ModelsealError('UNSUPPORTED_MATERIAL', 'carries SCITT receipts (unprotected label 394) that key verification cannot check', { file });
  }
  if (u.size > 0) {
    const shown: string[] = [];
    for (const l of u.keys()) {
      if (shown.length === 10) break;
      shown.push(label(l));
    }
    const more = u.size > shown.length ? ` and ${u.size - shown.length} more` : '';
    throw invalid(file, `the unprotected header holds label ${shown.join(', ')}${more}; modelseal accepts only an empty unprotected header`);
  }
}

function readClaims(v: unknown, file?: string): CoseClaims {
  if (!(v instanceof Map)) throw invalid(file, 'the CWT claims header (label 15) is missing or not a map; a SCITT signed statement needs issuer and subject');
  const iss = v.get(CLAIM.iss);
  const sub = v.get(CLAIM.sub);
  if (typeof iss !== 'string' || iss === '') throw invalid(file, 'the CWT claims lack an issuer (claim 1) text string');
  if (typeof sub !== 'string' || sub === '') throw invalid(file, 'the CWT claims lack a subject (claim 2) text string');
  for (const k of [CLAIM.exp, CLAIM.nbf]) {
    if (v.has(k)) throw invalid(file, `the CWT claims hold ${k === CLAIM.exp ? 'exp (4)' : 'nbf (5)'}, a validity period modelseal does not evaluate`);
  }
  return { issuer: iss, subject: sub };
}

/**
 * Checks the headers of a parsed COSE_Sign1 message: critical headers first, then
 * only known protected labels, an empty unprotected header, a known alg, a text
 * content type, a byte-string kid and the SCITT CWT claims (issuer, subject).
 */
export function readCoseHeaders(msg: CoseSign1, file?: string): CoseHeaders {
  const h = msg.protected;
  checkCrit(h, file);
  for (const l of h.keys()) {
    if (typeof l !== 'number' || !UNDERSTOOD_LABELS.includes(l)) throw invalid(file, `unknown protected header label ${label(l)}`);
  }
  checkUnprotected(msg.unprotected, file);
  const alg = h.get(HEADER.alg);
  if (alg === undefined) throw invalid(file, 'the protected header has no alg (label 1)');
  if (typeof alg !== 'number' || COSE_ALG_NAMES[alg] === undefined) {
    throw new ModelsealError('UNSUPPORTED_ALGORITHM', `COSE_Sign1: alg ${algName(alg)} is not supported (EdDSA -8, ES256 -7, ES384 -35, ES512 -36)`, { file });
  }
  const contentType = h.get(HEADER.contentType);
  if (typeof contentType !== 'string') throw invalid(file, 'the protected header has no text content type (label 3)');
  const kid = h.get(HEADER.kid);
  if (kid !== undefined && !(kid instanceof Uint8Array)) throw invalid(file, 'kid (label 4) is not a byte string');
  return { alg, contentType, kid: kid === undefined ? undefined : Buffer.from(kid), claims: readClaims(h.get(HEADER.cwtClaims), file) };
}
