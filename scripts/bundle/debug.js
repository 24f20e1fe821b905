'use strict';
// The bundle's stand-in for the `debug` package (aliased in scripts/bundle-cli.js). The
// real package opens stderr and loads its colour support as soon as it is required: a few
// milliseconds of every verify's start-up, for output only DEBUG=... asks for. With DEBUG
// set, the real package is loaded from node_modules and used unchanged.
function silent(namespace) {
  const log = () => undefined;
  log.enabled = false;
  log.namespace = namespace;
  log.extend = (sub, delimiter = ':') => silent(`${namespace}${delimiter}${sub}`);
  return log;
}

function load() {
  if (!process.env.DEBUG) return silent;
  const requireAtRun = require; // not a literal require: esbuild leaves it to run time
  return requireAtRun('debug');
}

module.exports = load();
