/**
 * In-process figures for opening one large file: MeshService.setFile, then .diagnostics, as CPU time
 * (process.cpuUsage: user + system) and wall time, with heap figures after the open.
 *
 *   tsx test/bench/open-profile.ts --n 300 --runs 5            # 5 opens, each in a fresh MeshService + SchemaRegistry
 *   tsx test/bench/open-profile.ts --n 300 --runs 1 --split    # diagnostics split: the schema part, then the rest
 *   tsx test/bench/open-profile.ts --n 300 --runs 5 --json     # also one JSON line with every figure
 *   tsx test/bench/open-profile.ts --n 30 --dump out.json      # write the diagnostics (bench workload + corpus) as JSON
 *
 * With --split, fileDiagnostics (schema validation and CEL: it caches each document's findings) is timed first, then
 * diagnostics() ("rest": the analyzer rules, the resources, the cached schema findings in file positions). The
 * first run of a process is "cold" (JIT, schema files, CEL compilation): that is what opening a file in a fresh
 * server costs; the following runs are "warm" (each still with a fresh MeshService and SchemaRegistry). CPU time
 * includes V8's GC and compiler threads; "main thread" is the main thread alone. The "rest" of a warm run varies
 * with the major GCs that the garbage of the previous runs triggers (80-400 ms at N=300): compare medians of
 * many runs. (Forcing a GC before each run with --expose-gc makes warm runs slower, not steadier.) To profile, bundle it (tsx's
 * transpiled stack lines are poor):
 *
 *   npx esbuild test/bench/open-profile.ts --bundle --platform=node --sourcemap --outfile=/tmp/open-profile.js
 *   node --enable-source-maps --cpu-prof --cpu-prof-dir=/tmp/prof /tmp/open-profile.js --n 300 --runs 3
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MeshService } from '../../server/src/service';
import { fileDiagnostics } from '../../server/src/service/features/diagnostics';
import { SchemaRegistry } from '../../server/src/service/schema/registry';
import { manifest } from './workload';

// the project root: from this file under tsx, from the working directory when bundled elsewhere
const ROOT = fs.existsSync(path.join(__dirname, '..', '..', 'schemas')) ? path.join(__dirname, '..', '..') : process.cwd();
const SCHEMAS = path.join(ROOT, 'schemas');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const n = Number(arg('n') ?? 300);
const runs = Number(arg('runs') ?? 5);
const split = process.argv.includes('--split');
const dump = arg('dump');

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

/** CPU time of the main thread alone (user + system, 10 ms resolution): without the GC and compiler threads. */
function mainThreadMs(): number {
  try {
    const f = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const mb = (x: number): string => (x / 1048576).toFixed(1);

function corpusFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  for (const d of ['test/fixtures/valid', 'test/fixtures/invalid', 'samples']) walk(path.join(ROOT, d));
  return out;
}

if (dump) {
  // Diagnostics of the bench workload and of the corpus, one service per file (rules see the other files).
  const inputs: Array<[string, string]> = [['file:///bench.yaml', manifest(n)]];
  for (const f of corpusFiles()) inputs.push([`file://${path.relative(ROOT, f)}`, fs.readFileSync(f, 'utf8')]);
  const result: Record<string, unknown> = {};
  for (const [uri, text] of inputs) {
    const s = new MeshService(new SchemaRegistry(SCHEMAS));
    s.setFile(uri, text);
    result[uri] = s.diagnostics(uri);
  }
  fs.writeFileSync(dump, JSON.stringify(result, null, 1));
  console.log(`wrote ${Object.keys(result).length} files' diagnostics to ${dump}`);
  process.exit(0);
}

const text = manifest(n);
const uri = 'file:///bench.yaml';
const set: number[] = [];
const schema: number[] = [];
const rest: number[] = [];
const wall: number[] = [];
const main: number[] = [];
let count = 0;
let keep: MeshService | undefined;
const round = (x: number): number => Math.round(x);
for (let r = 0; r < runs; r++) {
  keep = undefined;
  const service = new MeshService(new SchemaRegistry(SCHEMAS));
  const w0 = performance.now();
  const m0 = mainThreadMs();
  let t = process.cpuUsage();
  service.setFile(uri, text);
  set.push(cpuMs(t));
  // The schema part alone (it caches each document's diagnostics on the segment), then the rest of diagnostics()
  // (the analyzer rules, filtering; the schema part is then a cache hit plus shifting the ranges to file lines).
  t = process.cpuUsage();
  if (split) fileDiagnostics(service.registry, service.file(uri)!);
  schema.push(split ? cpuMs(t) : 0);
  t = process.cpuUsage();
  count = service.diagnostics(uri).length;
  rest.push(cpuMs(t));
  wall.push(performance.now() - w0);
  main.push(mainThreadMs() - m0);
  keep = service;
  const diagMs = schema[r] + rest[r];
  console.log(`run ${r + 1}: setFile ${round(set[r])} ms, diagnostics ${round(diagMs)} ms${split ? ` (schema ${round(schema[r])} + rest ${round(rest[r])})` : ''}, ${count} diagnostics; wall ${round(wall[r])} ms, main thread ${round(main[r])} ms`);
}
const diag = schema.map((x, i) => x + rest[i]);
const g = globalThis as { gc?: () => void };
const before = process.memoryUsage();
g.gc?.();
const after = process.memoryUsage();
const hwm = Number(/VmHWM:\s*(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
console.log(
  `N=${n} (${text.length} chars): median setFile ${median(set).toFixed(0)} ms, diagnostics ${median(diag).toFixed(0)} ms` +
    (split ? ` (schema ${median(schema).toFixed(0)} + rest ${median(rest).toFixed(0)})` : '') +
    ` | first run: setFile ${set[0].toFixed(0)}, diagnostics ${diag[0].toFixed(0)}` +
    (split ? ` (schema ${schema[0].toFixed(0)} + rest ${rest[0].toFixed(0)})` : '') +
    ' ms',
);
console.log(
  `memory with the last service open: heapUsed ${mb(before.heapUsed)} MB, rss ${mb(before.rss)} MB` +
    (g.gc ? `; after gc heapUsed ${mb(after.heapUsed)} MB, rss ${mb(after.rss)} MB` : ' (run with --expose-gc for the retained figure)') +
    `; VmHWM ${hwm.toFixed(1)} MB`,
);
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ n, set, schema, rest, wall, main, heapUsed: before.heapUsed, heapAfterGc: g.gc ? after.heapUsed : undefined, rss: before.rss, hwmMB: hwm }));
}
void keep;
