/**
 * CI fuzzing of the language server over stdio: hostile didOpen/didChange (full, incremental, invalid UTF-8
 * bytes), requests each answered within the deadline (DEADLINE_POLICY), no error logged by the server's guard, the
 * server's VmRSS under its bound, its heap after a forced GC (and, generously, its VmRSS) growing by less than a
 * budget after warm-up, and the next valid edit's diagnostics exactly those of a fresh server. Needs npm run build.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SERVER_HEAP_MB, SERVER_RSS_MB } from './lsp-harness';
import { describeMemory } from './memory';
import { runLspPart, saveFailure } from './runner';
import { DEADLINE_POLICY, formatFailures, SIZE_FREE } from './service-harness';

const RUNS = Number(process.env.FUZZ_LSP_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

test(`the language server survives ${RUNS} hostile edits (seed ${SEED}, heap ${SERVER_HEAP_MB} MB, VmRSS bound ${SERVER_RSS_MB} MB; ${DEADLINE_POLICY})`, async (t) => {
  const r = await runLspPart({ runs: RUNS, seed: SEED, offset: 1_000_000 });
  t.diagnostic(`${r.cases} cases in ${(r.ms / 1000).toFixed(1)} s; ${r.stats}`);
  t.diagnostic(`${r.relaxed} of ${r.cases} cases were over ${SIZE_FREE / 1024} KB: their requests ran under the longer deadline (${DEADLINE_POLICY})`);
  for (const m of r.memory) t.diagnostic(describeMemory(m));
  for (const f of r.failed) t.diagnostic(`saved ${saveFailure('lsp', f)}`);
  assert.equal(r.failed.length, 0, `${r.failed.length} of ${r.cases} cases failed (replay: npm run fuzz -- --parts lsp --seed <seed> --case 0):\n${formatFailures(r.failed)}`);
  assert.ok(r.memory.length > 0, 'the memory growth was measured');
  for (const m of r.memory) assert.ok(m.ok, describeMemory(m));
});
