/**
 * Drives the real language server (dist/server/server.js) over stdio with fuzz cases: hostile didOpen/didChange,
 * then requests at the case's positions, each with a deadline; then a valid edit whose published diagnostics must
 * be exactly those a second, reference server publishes for the same text opened alone (a fresh analysis).
 * The server's resident memory (VmRSS) is read from /proc after every case.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { LspClient } from '../lsp/client';
import type { FuzzCase } from './cases';
import { ROOT } from './corpus';
import { GC_PROBE, GC_PROBE_LINE } from './memory';
import { DEADLINE_MS, deadlineFor, type Failure } from './service-harness';

export const SERVER = path.join(ROOT, 'dist', 'server', 'server.js');
/**
 * Bound on the server's resident memory, checked after every case. It starts at ~80 MB and stays around 150-250 MB
 * on hostile input; the largest document it parses (1 MB of dense YAML) takes ~560 MB. V8 does not give freed
 * pages back while the server is idle, so after a few such spikes VmRSS can stay near 850 MB without any leak.
 */
export const SERVER_RSS_MB = Number(process.env.FUZZ_SERVER_RSS_MB ?? 1024);
/**
 * The servers run with this JavaScript heap limit: V8 then collects before the heap outgrows it, and a leak or an
 * unbounded allocation kills the server (reported as a failure) instead of growing quietly.
 */
export const SERVER_HEAP_MB = 768;
/** How long the diagnostics of the valid edit may take to arrive (they follow the hostile text's analysis). */
const VALID_EDIT_TIMEOUT_MS = 5000;

const URI = 'file:///fuzz/lsp/fuzzed.yaml';
const URI2 = 'file:///fuzz/lsp/other.yaml';

type Json = Record<string, unknown>;

/** VmRSS of a process in MB, or undefined when it is gone (or /proc is not there). */
export function rssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

class Server {
  readonly client: LspClient;
  exited = false;
  /** Errors the server logged (its guard logs every exception a handler throws). */
  readonly errors: string[] = [];

  constructor() {
    // --expose-gc and the probe: on SIGUSR2 the server collects and writes its heap size to stderr (memory.ts)
    this.client = new LspClient(process.execPath, [`--max-old-space-size=${SERVER_HEAP_MB}`, '--expose-gc', '--require', GC_PROBE, SERVER, '--stdio']);
    this.proc.on('exit', () => (this.exited = true));
  }

  get proc(): ChildProcessWithoutNullStreams {
    return (this.client as unknown as { proc: ChildProcessWithoutNullStreams }).proc;
  }

  async start(): Promise<void> {
    await this.client.initialize(null);
  }

  /** Collects the server's error log lines; call after each case (the client keeps every notification). */
  drain(): void {
    for (const n of this.client.notifications) {
      if (n.method !== 'window/logMessage') continue;
      const p = n.params as { type?: number; message?: string };
      if (p.type === 1 && p.message) this.errors.push(p.message);
    }
    this.client.notifications.length = 0;
  }

  /** Sends a notification whose bytes are the JSON encoded as latin1: characters 0x80-0xFF become invalid UTF-8. */
  rawNotify(method: string, params: unknown): void {
    const json = JSON.stringify({ jsonrpc: '2.0', method, params }).replace(/[^\x00-\xff]/g, '?');
    const body = Buffer.from(json, 'latin1');
    this.proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin.write(body);
  }

  async stop(): Promise<void> {
    await this.client.shutdown();
  }
}

async function within<T>(ms: number, p: Promise<T>): Promise<{ value?: T; error?: unknown; late: boolean; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    const r = await Promise.race([p.then((value) => ({ value })), timeout]);
    if (r === 'late') return { late: true, ms: performance.now() - started };
    return { value: r.value, late: false, ms: performance.now() - started };
  } catch (error) {
    return { error, late: false, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

export class LspFuzzer {
  private server!: Server;
  private reference!: Server;
  private version = 0;
  private opened = false;
  private readonly expected = new Map<string, unknown>();
  maxRssMb = 0;
  slowestMs = 0;
  requests = 0;

  constructor(readonly deadlineMs = DEADLINE_MS) {}

  async start(): Promise<void> {
    if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run npm run build first`);
    this.server = new Server();
    this.reference = new Server();
    await Promise.all([this.server.start(), this.reference.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.server.stop(), this.reference.stop()]);
  }

  get pid(): number | undefined {
    return this.server.client.pid;
  }

  /** The fuzzed server's heap used after a full GC (SIGUSR2 to the probe), in bytes; undefined if it does not answer. */
  async serverHeapAfterGc(timeoutMs = 10000): Promise<number | undefined> {
    const s = this.server;
    const pid = s.client.pid;
    if (!pid || s.exited) return undefined;
    const from = s.client.stderr.length;
    process.kill(pid, 'SIGUSR2');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const m = [...s.client.stderr.slice(from).matchAll(GC_PROBE_LINE)];
      if (m.length) return Number(m[0][1]);
      await new Promise((r) => setTimeout(r, 20));
    }
    return undefined;
  }

  /** Diagnostics the reference server publishes for `text` opened alone. */
  private async expectedFor(text: string): Promise<unknown> {
    if (this.expected.has(text)) return this.expected.get(text);
    const c = this.reference.client;
    const got = c.waitFor('textDocument/publishDiagnostics', (p) => p.uri === URI, 10000);
    c.notify('textDocument/didOpen', { textDocument: { uri: URI, languageId: 'yaml', version: 1, text } });
    const diags = (await got).diagnostics;
    const cleared = c.waitFor('textDocument/publishDiagnostics', (p) => p.uri === URI && (p.diagnostics as unknown[]).length === 0, 10000);
    c.notify('textDocument/didClose', { textDocument: { uri: URI } });
    await cleared;
    this.reference.drain();
    this.expected.set(text, diags);
    return diags;
  }

  async run(c: FuzzCase): Promise<Failure[]> {
    const failures: Failure[] = [];
    const s = this.server;
    const client = s.client;
    if (s.exited) return [{ stage: 'server', kind: 'throw', message: `the server is gone; stderr: ${client.stderr.slice(-2000)}` }];
    const expected = await this.expectedFor(c.valid.text);

    // 1. the hostile text, in one of several ways
    const how = c.seed % 5;
    if (!this.opened) {
      client.notify('textDocument/didOpen', { textDocument: { uri: URI, languageId: 'yaml', version: ++this.version, text: c.text } });
      this.opened = true;
    } else if (how === 0) {
      client.notify('textDocument/didChange', { textDocument: { uri: URI, version: ++this.version }, contentChanges: [{ text: c.text }] });
    } else if (how === 1) {
      // incremental: a few hostile insertions, then everything replaced (ranges past the end are clamped)
      const changes: Json[] = c.positions.map((p, i) => ({ range: { start: p, end: p }, text: ['\uFEFF', '\t', '- ', ': ', '\r\n', '[', '*a'][i % 7] }));
      changes.push({ range: { start: { line: 0, character: 0 }, end: { line: 1e7, character: 0 } }, text: c.text });
      client.notify('textDocument/didChange', { textDocument: { uri: URI, version: ++this.version }, contentChanges: changes });
    } else if (how === 2) {
      s.rawNotify('textDocument/didChange', { textDocument: { uri: URI, version: ++this.version }, contentChanges: [{ text: c.text }] });
    } else {
      client.notify('textDocument/didChange', { textDocument: { uri: URI, version: ++this.version }, contentChanges: [{ text: c.text }] });
    }
    const second = how === 3;
    if (second) client.notify('textDocument/didOpen', { textDocument: { uri: URI2, languageId: 'yaml', version: 1, text: c.text } });

    // 2. requests, each under the deadline
    // The first request also waits for the analysis of the edit (setFile and diagnostics, each bounded by the
    // deadline in the in-process part): it gets three deadlines, the others one.
    const deadline = deadlineFor(c.text.length, this.deadlineMs);
    let first = true;
    const request = async (stage: string, method: string, params: unknown): Promise<void> => {
      this.requests++;
      const limit = first ? 3 * deadline : deadline;
      first = false;
      const r = await within(limit, client.request(method, params));
      this.slowestMs = Math.max(this.slowestMs, r.ms);
      if (r.late) failures.push({ stage, kind: 'slow', message: `no answer within ${limit.toFixed(0)} ms (${c.text.length} characters)` });
      else if (r.error) failures.push({ stage, kind: 'throw', message: String(r.error) });
    };
    const doc = { uri: URI };
    for (const p of c.positions) {
      await request(`completion ${p.line}:${p.character}`, 'textDocument/completion', { textDocument: doc, position: p });
      await request(`hover ${p.line}:${p.character}`, 'textDocument/hover', { textDocument: doc, position: p });
    }
    const p0 = c.positions[0];
    await request('definition', 'textDocument/definition', { textDocument: doc, position: p0 });
    await request('references', 'textDocument/references', { textDocument: doc, position: p0, context: { includeDeclaration: true } });
    await request('codeAction', 'textDocument/codeAction', { textDocument: doc, range: { start: p0, end: p0 }, context: { diagnostics: [] } });
    await request('documentSymbol', 'textDocument/documentSymbol', { textDocument: doc });
    await request('foldingRange', 'textDocument/foldingRange', { textDocument: doc });
    await request('codeLens', 'textDocument/codeLens', { textDocument: doc });
    await request('routeGraph', 'meshYaml/routeGraph', { uri: URI, position: p0 });
    await request('simulate', 'meshYaml/simulate', { request: c.requests[0], graph: { host: c.requests[0].host } });

    if (second) client.notify('textDocument/didClose', { textDocument: { uri: URI2 } });

    // 3. the next valid edit must be analysed as a fresh server analyses it
    const got = client.waitFor('textDocument/publishDiagnostics', (p) => p.uri === URI && isDeepStrictEqual(p.diagnostics, expected), VALID_EDIT_TIMEOUT_MS);
    client.notify('textDocument/didChange', { textDocument: { uri: URI, version: ++this.version }, contentChanges: [{ text: c.valid.text }] });
    try {
      await got;
    } catch {
      const last = [...client.notifications].reverse().find((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === URI);
      failures.push({
        stage: 'valid edit',
        kind: 'mismatch',
        message: `no diagnostics equal to a fresh analysis of ${c.valid.name} within ${VALID_EDIT_TIMEOUT_MS} ms\n got: ${JSON.stringify(last?.params.diagnostics).slice(0, 600)}\nwant: ${JSON.stringify(expected).slice(0, 600)}`,
      });
    }

    // 4. the server is alive, logged no error, and its memory is bounded
    s.drain();
    for (const e of s.errors.splice(0)) failures.push({ stage: 'server log', kind: 'throw', message: e });
    if (s.exited) failures.push({ stage: 'server', kind: 'throw', message: `the server exited; stderr: ${client.stderr.slice(-2000)}` });
    const rss = rssMb(this.pid);
    if (rss !== undefined) {
      this.maxRssMb = Math.max(this.maxRssMb, rss);
      if (rss > SERVER_RSS_MB) failures.push({ stage: 'memory', kind: 'memory', message: `server VmRSS ${rss.toFixed(0)} MB > ${SERVER_RSS_MB} MB` });
    }
    return failures;
  }
}
