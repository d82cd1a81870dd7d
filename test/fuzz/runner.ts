/** The three fuzz parts (in-process service, language server over stdio, CLI), shared by the tests and run.ts. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { caseAt, encode, type FuzzCase } from './cases';
import { runCliCase } from './cli-harness';
import { ROOT } from './corpus';
import { LspFuzzer, rssMb } from './lsp-harness';
import { heapBound, heapUsedAfterGc, memoryReport, SERVER_RSS_GROWTH_MB, warmupCases, type MemoryReport } from './memory';
import { describeCase, ServiceFuzzer, SIZE_FREE, type CaseReport } from './service-harness';

export type Part = 'service' | 'lsp' | 'cli';

export interface PartResult {
  part: Part;
  cases: number;
  failed: CaseReport[];
  ms: number;
  /** One line of figures: slowest request, memory... */
  stats: string;
  /** Memory growth between the end of the warm-up and the end (runs of at least MIN_MEMORY_CASES cases). */
  memory: MemoryReport[];
  /** Cases whose input was over SIZE_FREE characters: their requests ran under a longer deadline. */
  relaxed: number;
}

/** Runs shorter than this (replays of one case...) do not check memory growth. */
export const MIN_MEMORY_CASES = 20;

function warmupFor(n: number): number {
  return n >= MIN_MEMORY_CASES ? warmupCases(n) : 0;
}

export interface RunOptions {
  runs: number;
  seed: number;
  /** Run only these case numbers (replay). */
  only?: number[];
  /** Offset added to case numbers, so that the parts do not all fuzz the same cases. */
  offset?: number;
  progress?: (done: number, total: number) => void;
}

function indexes(o: RunOptions): number[] {
  return o.only ?? Array.from({ length: o.runs }, (_, i) => i + (o.offset ?? 0));
}

export const FAILURES_DIR = path.join(ROOT, 'test-results', 'fuzz');

/** Writes a failing case's input (and a description) under test-results/fuzz/ so it can become a fixture. */
export function saveFailure(part: Part, r: CaseReport): string {
  fs.mkdirSync(FAILURES_DIR, { recursive: true });
  const base = path.join(FAILURES_DIR, `${part}-seed${r.c.seed}`);
  fs.writeFileSync(`${base}.yaml`, part === 'cli' ? encode(r.c) : r.c.text);
  fs.writeFileSync(`${base}.txt`, `${describeCase(r.c)}\n\n${r.failures.map((f) => `${f.kind} in ${f.stage}: ${f.message}`).join('\n\n')}\n`);
  return `${base}.yaml`;
}

export function runServicePart(o: RunOptions): PartResult {
  const started = Date.now();
  const fuzzer = new ServiceFuzzer();
  const failed: CaseReport[] = [];
  const list = indexes(o);
  const warm = warmupFor(list.length);
  let heapStart: number | undefined;
  let relaxed = 0;
  list.forEach((i, n) => {
    const c = caseAt(o.seed, i);
    if (c.text.length > SIZE_FREE) relaxed++;
    const failures = fuzzer.run(c);
    if (failures.length) failed.push({ c, failures });
    if (warm && n + 1 === warm) {
      fuzzer.warmExpectations();
      heapStart = heapUsedAfterGc();
    }
    o.progress?.(n + 1, list.length);
  });
  const memory: MemoryReport[] = [];
  if (heapStart !== undefined) memory.push(memoryReport('heap after GC', warm, list.length - warm, heapStart, heapUsedAfterGc(), heapBound(list.length - warm)));
  const rss = process.memoryUsage().rss / 1048576;
  return {
    part: 'service',
    cases: list.length,
    failed,
    ms: Date.now() - started,
    stats: `${fuzzer.calls} calls, slowest ${fuzzer.slowestMs.toFixed(0)} ms (${fuzzer.slowestStage}), RSS ${rss.toFixed(0)} MB`,
    memory,
    relaxed,
  };
}

export async function runLspPart(o: RunOptions): Promise<PartResult> {
  const started = Date.now();
  const fuzzer = new LspFuzzer();
  await fuzzer.start();
  const failed: CaseReport[] = [];
  const list = indexes(o);
  const warm = warmupFor(list.length);
  let start: { heap?: number; rss?: number } | undefined;
  let end: { heap?: number; rss?: number } | undefined;
  let relaxed = 0;
  try {
    for (let n = 0; n < list.length; n++) {
      const c = caseAt(o.seed, list[n]);
      if (c.text.length > SIZE_FREE) relaxed++;
      const failures = await fuzzer.run(c);
      if (failures.length) failed.push({ c, failures });
      // after the case's valid edit: VmRSS, then the heap after a full GC in the server
      if (warm && n + 1 === warm) start = { rss: rssMb(fuzzer.pid), heap: await fuzzer.serverHeapAfterGc() };
      o.progress?.(n + 1, list.length);
    }
    if (start) end = { rss: rssMb(fuzzer.pid), heap: await fuzzer.serverHeapAfterGc() };
  } finally {
    await fuzzer.stop();
  }
  const memory: MemoryReport[] = [];
  const cases = list.length - warm;
  if (start?.heap !== undefined && end?.heap !== undefined) memory.push(memoryReport('server heap after GC', warm, cases, start.heap, end.heap, heapBound(cases)));
  if (start?.rss !== undefined && end?.rss !== undefined) memory.push(memoryReport('server VmRSS after the valid edit', warm, cases, start.rss * 1048576, end.rss * 1048576, SERVER_RSS_GROWTH_MB * 1048576));
  if (start && memory.length < 2) memory.push({ what: 'server memory (not measured: the server was gone or /proc is missing)', warmup: warm, cases, startMb: 0, endMb: 0, boundMb: 0, ok: false });
  return {
    part: 'lsp',
    cases: list.length,
    failed,
    ms: Date.now() - started,
    stats: `${fuzzer.requests} requests, slowest ${fuzzer.slowestMs.toFixed(0)} ms, server max VmRSS ${fuzzer.maxRssMb.toFixed(0)} MB`,
    memory,
    relaxed,
  };
}

export async function runCliPart(o: RunOptions & { parallel?: number }): Promise<PartResult> {
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-fuzz-cli-'));
  const failed: CaseReport[] = [];
  const list = indexes(o);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const c: FuzzCase = caseAt(o.seed, list[next++]);
      const failures = await runCliCase(c, dir);
      if (failures.length) failed.push({ c, failures });
      o.progress?.(++done, list.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: o.parallel ?? Math.max(1, Math.min(4, os.cpus().length)) }, worker));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { part: 'cli', cases: list.length, failed, ms: Date.now() - started, stats: '', memory: [], relaxed: 0 };
}
