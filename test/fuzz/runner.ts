/** The three fuzz parts (in-process service, language server over stdio, CLI), shared by the tests and run.ts. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { caseAt, encode, type FuzzCase } from './cases';
import { runCliCase } from './cli-harness';
import { ROOT } from './corpus';
import { LspFuzzer } from './lsp-harness';
import { describeCase, ServiceFuzzer, type CaseReport } from './service-harness';

export type Part = 'service' | 'lsp' | 'cli';

export interface PartResult {
  part: Part;
  cases: number;
  failed: CaseReport[];
  ms: number;
  /** One line of figures: slowest request, memory... */
  stats: string;
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
  list.forEach((i, n) => {
    const c = caseAt(o.seed, i);
    const failures = fuzzer.run(c);
    if (failures.length) failed.push({ c, failures });
    o.progress?.(n + 1, list.length);
  });
  const rss = process.memoryUsage().rss / 1048576;
  return { part: 'service', cases: list.length, failed, ms: Date.now() - started, stats: `${fuzzer.calls} calls, slowest ${fuzzer.slowestMs.toFixed(0)} ms (${fuzzer.slowestStage}), RSS ${rss.toFixed(0)} MB` };
}

export async function runLspPart(o: RunOptions): Promise<PartResult> {
  const started = Date.now();
  const fuzzer = new LspFuzzer();
  await fuzzer.start();
  const failed: CaseReport[] = [];
  const list = indexes(o);
  try {
    for (let n = 0; n < list.length; n++) {
      const c = caseAt(o.seed, list[n]);
      const failures = await fuzzer.run(c);
      if (failures.length) failed.push({ c, failures });
      o.progress?.(n + 1, list.length);
    }
  } finally {
    await fuzzer.stop();
  }
  return { part: 'lsp', cases: list.length, failed, ms: Date.now() - started, stats: `${fuzzer.requests} requests, slowest ${fuzzer.slowestMs.toFixed(0)} ms, server max VmRSS ${fuzzer.maxRssMb.toFixed(0)} MB` };
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
  return { part: 'cli', cases: list.length, failed, ms: Date.now() - started, stats: '' };
}
