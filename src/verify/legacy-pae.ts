/**
 * model_signing v0.2.0 signed DSSE envelopes over a malformed PAE:
 * `f"DSSEV1 {len(type)} {type} {len(payload)} {payload!r}"`, i.e. a capital "V" and
 * Python's repr() of the payload bytes (b'...'), hashed with SHA-256 whatever the curve.
 * Verifiers of that release's signatures must rebuild exactly these bytes.
 */
export function pythonBytesRepr(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  // Python prefers single quotes unless the bytes hold ' and no ".
  const quote = b.includes(0x27) && !b.includes(0x22) ? '"' : "'";
  let out = `b${quote}`;
  for (const c of b) {
    if (c === 0x5c) out += '\\\\';
    else if (c === quote.charCodeAt(0)) out += `\\${quote}`;
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c >= 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(c);
  }
  return out + quote;
}

export function legacyPreAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  return Buffer.from(`DSSEV1 ${payloadType.length} ${payloadType} ${payload.length} ${pythonBytesRepr(payload)}`, 'utf8');
}
