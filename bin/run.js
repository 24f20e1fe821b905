#!/usr/bin/env node
// oclif entry point; the compiled commands live in dist/.
const { execute } = require('@oclif/core');
execute({ dir: __dirname }).catch(require('@oclif/core/handle'));
