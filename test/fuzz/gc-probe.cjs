// Preloaded into the language server by the fuzz suite (node --expose-gc --require <this>): on SIGUSR2 it runs
// a full garbage collection and writes the heap used to stderr (not the LSP channel, which is stdout), so the
// suite can compare the server's heap after warm-up with the heap at the end (test/fuzz/memory.ts).
'use strict';
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  const m = process.memoryUsage();
  process.stderr.write(`[fuzz-heap] heapUsed=${m.heapUsed} rss=${m.rss}\n`);
});
