/**
 * CI fuzzing of the pure MeshService: hostile inputs in, every method called, no exception, every call within
 * its deadline (DEADLINE_POLICY: longer for inputs over 128 KB), the next valid edit analysed exactly as a fresh
 * service does, and the heap after a forced GC growing by less than a small budget per case after warm-up. FUZZ_SEED pins the seed (it is
 * random otherwise, and printed); FUZZ_SERVICE_RUNS sets the number of cases. Replay a failing case with
 * `npm run fuzz -- --parts service --seed <its seed> --case 0`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeMemory } from './memory';
import { runServicePart, saveFailure } from './runner';
import { DEADLINE_POLICY, formatFailures, SIZE_FREE } from './service-harness';

const RUNS = Number(process.env.FUZZ_SERVICE_RUNS ?? 1800);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

test(`MeshService survives ${RUNS} hostile inputs (seed ${SEED}; ${DEADLINE_POLICY})`, (t) => {
  const r = runServicePart({ runs: RUNS, seed: SEED });
  t.diagnostic(`${r.cases} cases in ${(r.ms / 1000).toFixed(1)} s; ${r.stats}`);
  t.diagnostic(`${r.relaxed} of ${r.cases} cases were over ${SIZE_FREE / 1024} KB: their requests ran under the longer deadline (${DEADLINE_POLICY})`);
  for (const m of r.memory) t.diagnostic(describeMemory(m));
  for (const f of r.failed) t.diagnostic(`saved ${saveFailure('service', f)}`);
  assert.equal(r.failed.length, 0, `${r.failed.length} of ${r.cases} cases failed (replay: npm run fuzz -- --parts service --seed <seed> --case 0):\n${formatFailures(r.failed)}`);
  assert.ok(r.memory.length > 0, 'the heap growth was measured');
  for (const m of r.memory) assert.ok(m.ok, describeMemory(m));
});
