/**
 * A stdio LSP client for the benchmark, derived from test/lsp/client.ts (which the LSP tests own) with what a
 * benchmark of two different servers needs: it answers `workspace/configuration` per section like an editor, bounds
 * every request with a timeout (and cancels it), reports server-initiated requests it answered, and reads the
 * server process's memory from /proc.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';

type Json = Record<string, unknown>;

export class TimeoutError extends Error {
  constructor(
    message: string,
    readonly ms: number,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  /** Value of each `workspace/configuration` item, by section (null when unknown), as VS Code answers. */
  configuration?: (section: string | undefined, scopeUri: string | undefined) => unknown;
  /** Environment of the server process. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface Memory {
  /** Resident set size now (VmRSS), MB. */
  rssMb: number;
  /** Peak resident set size since the process started (VmHWM), MB. */
  hwmMb: number;
}

/** VmRSS and VmHWM of a process from /proc/<pid>/status (Linux); undefined elsewhere or when the process is gone. */
export function readMemory(pid: number | undefined): Memory | undefined {
  if (!pid) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

let clockTicks: number | undefined;

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat; undefined when unavailable. */
export function readCpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    if (clockTicks === undefined) {
      const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
      clockTicks = Number(r.stdout?.trim()) || 100;
    }
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

export class BenchClient {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners: Array<(method: string, params: Json) => void> = [];
  /** Requests the server sent us, by method (workspace/configuration, window/workDoneProgress/create...). */
  readonly serverRequests = new Map<string, number>();
  private readonly serverRequestListeners: Array<(method: string) => void> = [];
  stderr = '';
  exited = false;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    private readonly options: ClientOptions = {},
  ) {
    this.proc = spawn(command, args, { stdio: 'pipe', env: options.env ?? process.env, cwd: options.cwd });
    this.proc.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.proc.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 20000) this.stderr += chunk.toString();
    });
    this.proc.stdin.on('error', () => undefined); // EPIPE when the server died; the exit handler reports it
    this.proc.on('exit', () => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`${this.name} exited; stderr: ${this.stderr.slice(-2000)}`));
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  memory(): Memory | undefined {
    return readMemory(this.proc.pid);
  }

  cpuMs(): number | undefined {
    return readCpuMs(this.proc.pid);
  }

  /**
   * When the first byte of the message being dispatched arrived (performance.now()): read in listeners, it tells
   * when the server started sending, apart from the time the message took to arrive and to be decoded.
   */
  messageStartedAt = 0;
  /** Arrival of the first chunk that holds bytes of the message not yet complete. */
  private partialSince = 0;

  private onData(chunk: Buffer): void {
    const now = performance.now();
    if (!this.buffer.length) this.partialSince = now;
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString();
      const m = /Content-Length: (\d+)/i.exec(header);
      if (!m) throw new Error(`${this.name}: bad header: ${header}`);
      const len = Number(m[1]);
      if (this.buffer.length < headerEnd + 4 + len) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + len).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + len);
      this.messageStartedAt = this.partialSince;
      // the rest of this chunk begins the next message
      this.partialSince = now;
      this.dispatch(JSON.parse(body) as Json);
    }
  }

  private dispatch(msg: Json): void {
    if ((typeof msg.id === 'number' || typeof msg.id === 'string') && ('result' in msg || 'error' in msg) && !('method' in msg)) {
      const p = this.pending.get(Number(msg.id));
      this.pending.delete(Number(msg.id));
      if (!p) return; // answered after its timeout
      if (msg.error) p.reject(new Error(JSON.stringify(msg.error)));
      else p.resolve(msg.result);
      return;
    }
    if (typeof msg.method === 'string' && msg.id !== undefined) {
      this.serverRequests.set(msg.method, (this.serverRequests.get(msg.method) ?? 0) + 1);
      let result: unknown = null;
      if (msg.method === 'workspace/configuration') {
        const items = ((msg.params as { items?: Array<{ section?: string; scopeUri?: string }> }).items ?? []);
        result = items.map((it) => this.options.configuration?.(it.section, it.scopeUri) ?? null);
      }
      this.write({ jsonrpc: '2.0', id: msg.id, result });
      for (const l of [...this.serverRequestListeners]) l(msg.method);
      return;
    }
    if (typeof msg.method === 'string') {
      const params = (msg.params ?? {}) as Json;
      for (const l of [...this.listeners]) l(msg.method, params);
    }
  }

  private write(msg: Json): void {
    if (this.exited) return;
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    this.proc.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]));
  }

  /** A request bounded by a timeout; on timeout it is cancelled ($/cancelRequest) and the promise rejects with TimeoutError. */
  request<T = unknown>(method: string, params: unknown, timeoutMs = 10000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        this.notify('$/cancelRequest', { id });
        reject(new TimeoutError(`${this.name}: ${method} timed out after ${timeoutMs} ms`, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.write({ jsonrpc: '2.0', id, method, params: params as Json });
    });
  }

  notify(method: string, params: unknown): void {
    this.write({ jsonrpc: '2.0', method, params: params as Json });
  }

  /** Listens for notifications until the returned function is called. */
  on(listener: (method: string, params: Json) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Resolves with the first notification (from now on) that satisfies the predicate; rejects with TimeoutError. */
  waitFor(method: string, pred: (params: Json) => boolean, timeoutMs = 10000): Promise<Json> {
    return new Promise((resolve, reject) => {
      const off = this.on((m, p) => {
        if (m !== method || !pred(p)) return;
        clearTimeout(timer);
        off();
        resolve(p);
      });
      const timer = setTimeout(() => {
        off();
        reject(new TimeoutError(`${this.name}: timed out after ${timeoutMs} ms waiting for ${method}`, timeoutMs));
      }, timeoutMs);
    });
  }

  /** Resolves when the server has sent `count` more requests of a method (e.g. configuration pulls) and we answered them. */
  waitForServerRequest(method: string, count = 1, timeoutMs = 10000): Promise<void> {
    return new Promise((resolve, reject) => {
      let seen = 0;
      const listener = (m: string): void => {
        if (m !== method || ++seen < count) return;
        clearTimeout(timer);
        this.serverRequestListeners.splice(this.serverRequestListeners.indexOf(listener), 1);
        resolve();
      };
      const timer = setTimeout(() => {
        this.serverRequestListeners.splice(this.serverRequestListeners.indexOf(listener), 1);
        reject(new TimeoutError(`${this.name}: timed out after ${timeoutMs} ms waiting for the ${method} request`, timeoutMs));
      }, timeoutMs);
      this.serverRequestListeners.push(listener);
    });
  }

  /** `initialize` with the capabilities VS Code announces for what we measure (configuration pull, progress, markdown). */
  async initialize(rootUri: string | null, initializationOptions?: unknown, timeoutMs = 30000): Promise<unknown> {
    const result = await this.request(
      'initialize',
      {
        processId: process.pid,
        clientInfo: { name: 'mesh-yaml-bench', version: '1' },
        locale: 'en',
        rootUri,
        rootPath: rootUri ? new URL(rootUri).pathname : null,
        workspaceFolders: rootUri ? [{ uri: rootUri, name: 'ws' }] : null,
        capabilities: {
          textDocument: {
            synchronization: { didSave: true, dynamicRegistration: false },
            publishDiagnostics: { relatedInformation: true, versionSupport: false },
            completion: {
              completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'], insertReplaceSupport: true, labelDetailsSupport: true },
              contextSupport: true,
            },
            hover: { contentFormat: ['markdown', 'plaintext'] },
          },
          workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: false } },
          window: { workDoneProgress: true },
        },
        initializationOptions,
      },
      timeoutMs,
    );
    return result;
  }

  async shutdown(): Promise<void> {
    if (!this.exited) {
      try {
        await this.request('shutdown', null, 3000);
        this.notify('exit', null);
      } catch {
        // busy or gone: killed below
      }
    }
    await new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      const t = setTimeout(() => {
        this.kill();
        resolve();
      }, 1000);
      this.proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  kill(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}
