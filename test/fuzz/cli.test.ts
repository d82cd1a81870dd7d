/**
 * CI fuzzing of mesh-lint on hostile files (invalid UTF-8, UTF-16, binary bytes...): exit status 0, 1 or 2 only,
 * never a stack trace or a warning on stderr, JSON/SARIF output that parses, a time bound, files left untouched.
 * Needs npm run build.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { caseAt, encode } from './cases';
import { checkRun, runCli } from './cli-harness';
import { runCliPart, saveFailure } from './runner';
import { formatFailures } from './service-harness';

const RUNS = Number(process.env.FUZZ_CLI_RUNS ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

test(`mesh-lint survives ${RUNS} hostile files (seed ${SEED})`, async (t) => {
  const r = await runCliPart({ runs: RUNS, seed: SEED, offset: 2_000_000 });
  t.diagnostic(`${r.cases} runs in ${(r.ms / 1000).toFixed(1)} s`);
  for (const f of r.failed) t.diagnostic(`saved ${saveFailure('cli', f)}`);
  assert.equal(r.failed.length, 0, `${r.failed.length} of ${r.cases} runs failed (replay: npm run fuzz -- --parts cli --seed <seed> --case 0):\n${formatFailures(r.failed)}`);
});

test('mesh-lint on a folder of 100 hostile files reports each file once, in one run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-fuzz-batch-'));
  try {
    const names: string[] = [];
    for (let i = 0; i < 100; i++) {
      const c = caseAt(SEED + 3_000_000, i);
      const name = `f${String(i).padStart(3, '0')}.yaml`;
      fs.writeFileSync(path.join(dir, name), encode(c));
      names.push(name);
    }
    const r = await runCli(['.', '--format', 'json'], dir, 60000);
    assert.deepEqual(checkRun(r, 'json'), []);
    if (r.code !== 2) {
      const out = JSON.parse(r.stdout) as { diagnostics: Array<{ file: string }> };
      for (const f of new Set(out.diagnostics.map((d) => d.file))) assert.ok(names.includes(f), f);
    }
    // files over the size limit or unreadable are named on stderr, nothing else is
    for (const line of r.stderr.split('\n').filter(Boolean)) assert.match(line, /^mesh-lint: .*(skipped|cannot read|not a regular file)/, line);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
