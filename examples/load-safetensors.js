#!/usr/bin/env node
// A Node loader that reads a signed safetensors model only through verified bytes.
// Usage: node examples/load-safetensors.js MODEL_DIR PUBLIC_KEY.pem
'use strict';
const { verifyArtifact, readVerified, ModelsealError } = require('modelseal');

/** Parses a safetensors buffer (its header was already checked by readVerified). */
function tensorsOf(bytes) {
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const data = bytes.subarray(8 + headerLength);
  return Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, t]) => {
      const [begin, end] = t.data_offsets;
      const first = t.dtype === 'F32' && end > begin ? data.readFloatLE(begin) : undefined;
      return { name, dtype: t.dtype, shape: t.shape, bytes: end - begin, first };
    });
}

async function main([model, publicKey]) {
  try {
    // 1. Verify the signature and the files once...
    const verified = await verifyArtifact(model, { keys: publicKey });
    // 2. ...then read every file through readVerified: each byte handed to the parser was
    //    hashed as it was read and matched the signed digest, so a file swapped after
    //    step 1 is refused, and pickle-based files are refused unless allowed.
    for (const { name } of verified.manifest.resources) {
      const bytes = await readVerified(model, name, verified);
      if (name.endsWith('.safetensors')) {
        for (const t of tensorsOf(bytes)) {
          console.log(`${name} ${t.name} ${t.dtype}${JSON.stringify(t.shape)} ${t.bytes} bytes${t.first === undefined ? '' : ` first=${t.first}`}`);
        }
      } else {
        console.log(`${name} ${bytes.length} bytes`);
      }
    }
    console.log(`loaded sha256:${verified.rootDigest}`);
    return 0;
  } catch (err) {
    if (err instanceof ModelsealError) {
      console.error(`refusing to load: ${err.message} [${err.code}]`);
      return err.exitCode;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
