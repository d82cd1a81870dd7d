#!/usr/bin/env node
// Starts the language server with the same Node options the VS Code extension uses (see SERVER_NODE_ARGS).
const { spawn } = require('node:child_process');
const path = require('node:path');
const args = process.argv.slice(2);
if (!args.includes('--stdio') && !args.some((a) => a.startsWith('--node-ipc') || a.startsWith('--socket'))) args.push('--stdio');
const child = spawn(process.execPath, ['--max-semi-space-size=4', path.join(__dirname, '..', 'dist', 'server', 'server.js'), ...args], { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 0);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
