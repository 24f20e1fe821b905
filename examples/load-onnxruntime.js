#!/usr/bin/env node
// Run a signed ONNX model in onnxruntime-node on verified bytes only.
// Usage: node examples/load-onnxruntime.js MODEL_DIR PUBLIC_KEY.pem '[1, 2, 3, 4]'
'use strict';
const ort = require('onnxruntime-node');
const { createVerifiedSession } = require('modelseal/onnxruntime');
const { ModelsealError } = require('modelseal');

async function main([model, publicKey, input]) {
  try {
    // Verifies the signature and every file, then reads model.onnx and each external-data
    // file it names through the verified reader: the runtime gets bytes, never a path.
    const session = await createVerifiedSession(model, { keys: publicKey });
    const x = JSON.parse(input);
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x), [1, x.length]) };
    const out = await session.run(feeds);
    console.log(JSON.stringify(Array.from(out[session.outputNames[0]].data)));
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
