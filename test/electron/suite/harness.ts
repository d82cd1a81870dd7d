// A tiny mocha-style runner for the extension-host suite: `test(name, fn)`
// registers, `runAll()` runs in order with a per-test timeout and prints TAP-ish
// lines. It needs no test framework inside VS Code's extension host, so the
// bundle is self-contained (esbuild) and runs the same under @vscode/test-electron
// (desktop VS Code) and inside code-server's extension host.
type TestFn = () => Promise<void> | void;

interface TestCase {
  name: string;
  fn: TestFn;
  timeoutMs: number;
}

export interface TestResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

const tests: TestCase[] = [];

export function test(name: string, fn: TestFn, timeoutMs = 30_000): void {
  tests.push({ name, fn, timeoutMs });
}

function withTimeout(p: Promise<void>, ms: number, name: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`test "${name}" timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function runAll(prefix: string, log: (line: string) => void): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const t of tests) {
    const start = Date.now();
    try {
      await withTimeout(Promise.resolve().then(t.fn), t.timeoutMs, t.name);
      const r = { name: t.name, ok: true, ms: Date.now() - start };
      results.push(r);
      log(`ok - ${prefix}${t.name} (${r.ms} ms)`);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      results.push({ name: t.name, ok: false, ms: Date.now() - start, error });
      log(`not ok - ${prefix}${t.name}: ${error.split('\n')[0]}`);
    }
  }
  return results;
}

/** Polls `get` until `ok` accepts its value (the extension works asynchronously). */
export async function eventually<T>(what: string, get: () => PromiseLike<T> | T, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  let last: T | undefined;
  for (;;) {
    last = await get();
    if (ok(last)) return last;
    if (Date.now() - start > timeoutMs) {
      let seen: string;
      try {
        seen = JSON.stringify(last)?.slice(0, 400) ?? String(last);
      } catch {
        seen = String(last);
      }
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}
