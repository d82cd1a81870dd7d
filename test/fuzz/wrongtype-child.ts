/**
 * Runs cases of the wrong-type sweep (wrongtype.ts) in a child process, for wrongtype.test.ts: a case that hangs
 * can then be stopped (the parent kills this process and starts another after that case). Started with
 * `--import tsx` and IPC; argv: the first case index, the plan size. Sends `{i, ms, failures}` per case, then
 * `{done: true}`.
 */
import { ServiceFuzzer, type Failure } from './service-harness';
import { sweepCase, sweepPlan } from './wrongtype';

export interface ChildMessage {
  i?: number;
  ms?: number;
  failures?: Failure[];
  /** The case could not be built (the value does not fit there). */
  unbuildable?: boolean;
  done?: boolean;
}

function send(m: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(m, (e: Error | null) => (e ? reject(e) : resolve())));
}

async function main(): Promise<void> {
  const start = Number(process.argv[2] ?? 0);
  const max = Number(process.argv[3]);
  const { cases } = sweepPlan(max);
  // One service per corpus file: the case's workspace is the rest of its file.
  let fuzzer: ServiceFuzzer | undefined;
  let rest: string | undefined;
  for (let i = start; i < cases.length; i++) {
    const { slot, value } = cases[i];
    if (!fuzzer || rest !== slot.rest) {
      rest = slot.rest;
      fuzzer = new ServiceFuzzer(undefined, slot.rest ? [{ name: `${slot.file} (other documents)`, text: slot.rest }] : []);
    }
    const sc = sweepCase(slot, value, i);
    if (!sc) {
      await send({ i, ms: 0, failures: [], unbuildable: true });
      continue;
    }
    const started = performance.now();
    const failures = fuzzer.run(sc.c);
    await send({ i, ms: performance.now() - started, failures });
  }
  await send({ done: true });
}

if (process.send) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`wrongtype-child: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
