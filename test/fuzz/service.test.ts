/**
 * CI fuzzing of the pure MeshService: hostile inputs in, every method called, no exception, every call within
 * its deadline, and the next valid edit analysed exactly as a fresh service does. FUZZ_SEED pins the seed (it is
 * random otherwise, and printed); FUZZ_SERVICE_RUNS sets the number of cases. Replay a failing case with
 * `npm run fuzz -- --parts service --seed <its seed> --case 0`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runServicePart, saveFailure } from './runner';
import { formatFailures } from './service-harness';

const RUNS = Number(process.env.FUZZ_SERVICE_RUNS ?? 1800);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

test(`MeshService survives ${RUNS} hostile inputs (seed ${SEED})`, (t) => {
  const r = runServicePart({ runs: RUNS, seed: SEED });
  t.diagnostic(`${r.cases} cases in ${(r.ms / 1000).toFixed(1)} s; ${r.stats}`);
  for (const f of r.failed) t.diagnostic(`saved ${saveFailure('service', f)}`);
  assert.equal(r.failed.length, 0, `${r.failed.length} of ${r.cases} cases failed (replay: npm run fuzz -- --parts service --seed <seed> --case 0):\n${formatFailures(r.failed)}`);
});
