// A jest environment whose typed arrays are the process's own, for suites that call a
// native addon (onnxruntime-node): the addon makes Float32Array & co. in the main realm,
// and onnxruntime-common checks `instanceof` against the sandbox's, which never matches.
'use strict';
const { TestEnvironment } = require('jest-environment-node');

const SHARED = ['ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];

class NativeTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) if (globalThis[name]) this.global[name] = globalThis[name];
  }
}

module.exports = NativeTypedArraysEnvironment;
