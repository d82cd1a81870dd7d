#!/usr/bin/env node
const { main } = require('../dist/server/cli.js');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`mesh-lint: ${String(e)}\n`);
    process.exitCode = 2;
  },
);
