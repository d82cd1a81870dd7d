#!/usr/bin/env node
if (!process.argv.includes('--stdio') && !process.argv.some((a) => a.startsWith('--node-ipc') || a.startsWith('--socket'))) {
  process.argv.push('--stdio');
}
require('../dist/server/server.js');
