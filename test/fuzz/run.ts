/**
 * Long fuzz runs: npm run fuzz -- --runs N [--seed S] [--lsp N] [--cli N] [--parts service,lsp,cli] [--case I]
 *
 * --runs   in-process MeshService cases (default 2000); --lsp and --cli default to runs/10 and runs/50
 * --seed   the run's seed (default: random, printed); case i depends on seed + i only
 * --case   replay only case number i (of each part)
 * The LSP and CLI parts need a build (npm run build). Failing inputs are written to test-results/fuzz/.
 * Ends with the line `fuzz: N passed, N failed` (cases).
 */
import { describeMemory } from './memory';
import { DEADLINE_POLICY, formatFailures, SIZE_FREE } from './service-harness';
import { runCliPart, runLspPart, runServicePart, saveFailure, type Part, type PartResult } from './runner';

function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const a = argv[i];
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
}

async function main(): Promise<number> {
  const runs = Number(arg('runs') ?? 2000);
  const seed = Number(arg('seed') ?? Math.floor(Math.random() * 2 ** 31));
  const lsp = Number(arg('lsp') ?? Math.max(1, Math.round(runs / 10)));
  const cli = Number(arg('cli') ?? Math.max(1, Math.round(runs / 50)));
  const only = arg('case') !== undefined ? [Number(arg('case'))] : undefined;
  const parts = (arg('parts') ?? 'service,lsp,cli').split(',') as Part[];
  if (![runs, seed, lsp, cli].every(Number.isFinite)) {
    process.stderr.write('usage: npm run fuzz -- --runs N [--seed S] [--lsp N] [--cli N] [--parts service,lsp,cli] [--case I]\n');
    return 2;
  }
  process.stdout.write(`fuzz: ${DEADLINE_POLICY}\n`);
  process.stdout.write(`fuzz: seed ${seed}; service ${only ? 'case ' + only[0] : runs}, lsp ${only ? 'case ' + only[0] : lsp}, cli ${only ? 'case ' + only[0] : cli} case(s)\n`);
  const progress = (part: string) => (done: number, total: number) => {
    if (done % 500 === 0 || done === total) process.stdout.write(`  ${part}: ${done}/${total}\n`);
  };
  const results: PartResult[] = [];
  if (parts.includes('service')) results.push(runServicePart({ runs, seed, only, progress: progress('service') }));
  if (parts.includes('lsp')) results.push(await runLspPart({ runs: lsp, seed, only, offset: 1_000_000, progress: progress('lsp') }));
  if (parts.includes('cli')) results.push(await runCliPart({ runs: cli, seed, only, offset: 2_000_000, progress: progress('cli') }));
  let passed = 0;
  let failed = 0;
  for (const r of results) {
    passed += r.cases - r.failed.length;
    failed += r.failed.length;
    process.stdout.write(`${r.part}: ${r.cases} case(s), ${r.failed.length} failed, ${(r.ms / 1000).toFixed(1)} s${r.stats ? `; ${r.stats}` : ''}\n`);
    if (r.part !== 'cli') process.stdout.write(`  ${r.relaxed} case(s) over ${SIZE_FREE / 1024} KB ran under the longer deadline\n`);
    for (const m of r.memory) {
      process.stdout.write(`  memory: ${describeMemory(m)}\n`);
      if (!m.ok) failed++;
    }
    if (r.failed.length) {
      process.stdout.write(formatFailures(r.failed, 20) + '\n');
      for (const f of r.failed) process.stdout.write(`  saved ${saveFailure(r.part, f)}\n`);
    }
  }
  process.stdout.write(`fuzz: ${passed} passed, ${failed} failed\n`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`fuzz: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
