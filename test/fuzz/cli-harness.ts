/**
 * Runs the CLI (bin/mesh-lint.js) on hostile files: the exit status must be 0, 1 or 2, stderr must never hold a
 * stack trace or an internal error, JSON and SARIF output must parse, the run must end within a time bound, and
 * the file checked must be left untouched.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encode, type FuzzCase } from './cases';
import { ROOT } from './corpus';
import type { Failure } from './service-harness';

export const BIN = path.join(ROOT, 'bin', 'mesh-lint.js');
/** Time one CLI run may take (process start included). */
export const CLI_TIMEOUT_MS = Number(process.env.FUZZ_CLI_TIMEOUT_MS ?? 15000);

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

export function runCli(args: string[], cwd: string, timeoutMs = CLI_TIMEOUT_MS): Promise<CliRun> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: performance.now() - started, timedOut });
    });
  });
}

const STACK_LINE = /^\s+at .+(?:\(.*:\d+:\d+\)|:\d+:\d+)$/m;

/** The problems of one CLI run (empty when it behaved). */
export function checkRun(r: CliRun, format: string): Failure[] {
  const failures: Failure[] = [];
  const stage = `mesh-lint --format ${format}`;
  if (r.timedOut) failures.push({ stage, kind: 'slow', message: `killed after ${CLI_TIMEOUT_MS} ms` });
  else if (r.code === null || ![0, 1, 2].includes(r.code)) failures.push({ stage, kind: 'throw', message: `exit status ${r.code} signal ${r.signal}; stderr: ${r.stderr.slice(0, 1500)}` });
  if (STACK_LINE.test(r.stderr) || /internal error|uncaught|unhandled/i.test(r.stderr)) failures.push({ stage, kind: 'throw', message: `stderr: ${r.stderr.slice(0, 2000)}` });
  if (/Warning:/.test(r.stderr)) failures.push({ stage, kind: 'throw', message: `a warning on stderr: ${r.stderr.slice(0, 500)}` });
  if ((r.code === 0 || r.code === 1) && format !== 'text') {
    try {
      JSON.parse(r.stdout);
    } catch (e) {
      failures.push({ stage, kind: 'throw', message: `${format} output does not parse: ${String(e)}: ${r.stdout.slice(0, 300)}` });
    }
  }
  return failures;
}

/** Writes the case's bytes to `dir`, runs the CLI on it, and checks the run and that the file is unchanged. */
export async function runCliCase(c: FuzzCase, dir: string): Promise<Failure[]> {
  const name = `case-${c.seed}.yaml`;
  const file = path.join(dir, name);
  const bytes = encode(c);
  fs.writeFileSync(file, bytes);
  const before = fs.statSync(file).mtimeMs;
  const format = ['text', 'json', 'sarif'][c.seed % 3 < 0 ? 0 : c.seed % 3];
  const r = await runCli([name, '--format', format], dir);
  const failures = checkRun(r, format);
  if (!fs.readFileSync(file).equals(bytes) || fs.statSync(file).mtimeMs !== before) failures.push({ stage: 'file', kind: 'mismatch', message: 'the checked file was modified' });
  return failures;
}
