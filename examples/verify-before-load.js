#!/usr/bin/env node
// Verify a model folder against its signature before anything reads it.
// Usage: node examples/verify-before-load.js MODEL_DIR PUBLIC_KEY.pem
'use strict';
const { verifyArtifact, ModelsealError } = require('modelseal');

async function main([model, publicKey]) {
  try {
    const result = await verifyArtifact(model, { keys: publicKey });
    console.log(`verified sha256:${result.rootDigest} (${result.manifest.resources.length} files), signer ${result.keyHint.slice(0, 12)}`);
    // Only now hand the folder to the loader.
    return 0;
  } catch (err) {
    if (err instanceof ModelsealError) {
      console.error(`refusing to load: ${err.message} [${err.code}]`);
      return err.exitCode; // 1 refused, 2 bad input
    }
    throw err;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
