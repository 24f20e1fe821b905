#!/usr/bin/env node
// Run a signed transformers.js model folder (config, tokenizer, onnx/) on verified bytes only.
// Usage: node examples/load-transformers.js MODEL_DIR PUBLIC_KEY.pem 'some text'
'use strict';
const { verifiedPipeline } = require('modelseal/transformers');
const { ModelsealError } = require('modelseal');

async function main([model, publicKey, text]) {
  try {
    // Verifies the folder, then serves every file transformers.js asks for (config.json,
    // tokenizer files, onnx/model.onnx and its external data) from the verified reader.
    // Nothing is read from disk by path, nothing is fetched from the network.
    const extractor = await verifiedPipeline('feature-extraction', model, { keys: publicKey, transformers: { dtype: 'fp32' } });
    const features = await extractor(text);
    console.log(JSON.stringify({ dims: features.dims, data: Array.from(features.data) }));
    await extractor.dispose();
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
