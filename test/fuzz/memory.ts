/**
 * Memory growth checks for the fuzz parts. A ceiling alone (INPROCESS_RSS_MB, SERVER_RSS_MB) misses a slow leak:
 * 200 KB per case is 360 MB over 1,800 cases, still under a 1.5 GB ceiling. So the parts also compare the heap
 * used after a forced full GC once warmed up (caches at their steady size) with the same figure at the end, and
 * require the growth to stay under a small budget per case run in between.
 */
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/** Heap growth allowed per fuzz case, after warm-up (a leak of ~200 KB per case trips it). */
export const HEAP_BUDGET_KB_PER_CASE = Number(process.env.FUZZ_HEAP_KB_PER_CASE ?? 32);
/** Allowed whatever the number of cases (bounded caches filling up, V8's own bookkeeping). */
export const HEAP_SLACK_MB = Number(process.env.FUZZ_HEAP_SLACK_MB ?? 24);
/**
 * Growth of the language server's VmRSS (after the valid edit, warm-up vs end) allowed: generous, because V8
 * keeps freed pages (a few large inputs can leave VmRSS hundreds of MB up without any leak); the heap check
 * (after a full GC in the server) is the precise one.
 */
export const SERVER_RSS_GROWTH_MB = Number(process.env.FUZZ_SERVER_RSS_GROWTH_MB ?? 512);

/** The number of warm-up cases before the first heap figure: a tenth of the run, at least 5, at most 100. */
export function warmupCases(total: number): number {
  return Math.max(5, Math.min(100, Math.floor(total / 10)));
}

/** The heap growth allowed over `cases` cases, in bytes. */
export function heapBound(cases: number): number {
  return HEAP_SLACK_MB * 1048576 + HEAP_BUDGET_KB_PER_CASE * 1024 * cases;
}

let gcFn: (() => void) | undefined;
/** The engine's gc() (exposed at run time when node was not started with --expose-gc). */
export function forceGc(): void {
  if (!gcFn) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') gcFn = g;
    else {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    }
  }
  gcFn();
  gcFn();
}

/** This process's heap used after a full GC, in bytes. */
export function heapUsedAfterGc(): number {
  forceGc();
  return process.memoryUsage().heapUsed;
}

export interface MemoryReport {
  /** What is measured: "heap after GC" or "server heap after GC" / "server VmRSS". */
  what: string;
  /** Cases run before the first figure, and between the two. */
  warmup: number;
  cases: number;
  startMb: number;
  endMb: number;
  boundMb: number;
  ok: boolean;
}

const MB = 1048576;

export function memoryReport(what: string, warmup: number, cases: number, start: number, end: number, bound: number): MemoryReport {
  return { what, warmup, cases, startMb: start / MB, endMb: end / MB, boundMb: bound / MB, ok: end - start <= bound };
}

export function describeMemory(r: MemoryReport): string {
  const growth = r.endMb - r.startMb;
  return `${r.what}: ${r.startMb.toFixed(1)} MB after ${r.warmup} warm-up cases, ${r.endMb.toFixed(1)} MB after ${r.cases} more (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB, ${((growth * 1024) / Math.max(1, r.cases)).toFixed(1)} KB/case; bound ${r.boundMb.toFixed(0)} MB)${r.ok ? '' : ' OVER THE BOUND'}`;
}

/** Preloaded into the fuzzed language server (`--expose-gc --require`): on SIGUSR2, a full GC, then the heap on stderr. */
export const GC_PROBE = path.join(__dirname, 'gc-probe.cjs');
export const GC_PROBE_LINE = /\[fuzz-heap\] heapUsed=(\d+)/g;
