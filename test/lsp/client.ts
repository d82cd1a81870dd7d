import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

type Json = Record<string, unknown>;

/**
 * A minimal LSP client over stdio, framed with Content-Length headers, as an editor talks to the server.
 * Used by the LSP tests and the figures script.
 */
export class LspClient {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners: Array<(method: string, params: Json) => void> = [];
  readonly notifications: Array<{ method: string; params: Json }> = [];
  stderr = '';
  /**
   * The editor's settings (`{ meshYaml: {...}, files: { exclude: {...} } }`). When set before initialize(), the client
   * declares the workspace/configuration capability and answers the server's configuration requests from it.
   */
  settings: Record<string, unknown> | undefined;

  constructor(command: string, args: string[]) {
    this.proc = spawn(command, args, { stdio: 'pipe' });
    this.proc.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.proc.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.proc.on('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error(`server exited; stderr: ${this.stderr}`));
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString();
      const m = /Content-Length: (\d+)/i.exec(header);
      if (!m) throw new Error(`bad header: ${header}`);
      const len = Number(m[1]);
      if (this.buffer.length < headerEnd + 4 + len) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + len).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + len);
      this.dispatch(JSON.parse(body) as Json);
    }
  }

  private dispatch(msg: Json): void {
    if (typeof msg.id === 'number' && ('result' in msg || 'error' in msg)) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (!p) return;
      if (msg.error) p.reject(new Error(JSON.stringify(msg.error)));
      else p.resolve(msg.result);
      return;
    }
    if (typeof msg.method === 'string' && msg.id !== undefined) {
      // a request from the server (configuration, registerCapability...): answer with nothing useful
      const result = msg.method === 'workspace/configuration' ? ((msg.params as { items: Array<{ section?: string }> }).items ?? []).map((i) => this.section(i.section)) : null;
      this.write({ jsonrpc: '2.0', id: msg.id, result });
      return;
    }
    if (typeof msg.method === 'string') {
      const params = (msg.params ?? {}) as Json;
      this.notifications.push({ method: msg.method, params });
      for (const l of [...this.listeners]) l(msg.method, params);
    }
  }

  /** The value of a dotted settings section ('meshYaml', 'files.exclude'), or null. */
  private section(name: string | undefined): unknown {
    let v: unknown = this.settings;
    for (const part of (name ?? '').split('.').filter(Boolean)) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    return v ?? null;
  }

  private write(msg: Json): void {
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    this.proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin.write(body);
  }

  request<T = unknown>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.write({ jsonrpc: '2.0', id, method, params: params as Json });
    });
  }

  notify(method: string, params: unknown): void {
    this.write({ jsonrpc: '2.0', method, params: params as Json });
  }

  /** Resolves with the first notification (from now on) that satisfies the predicate. */
  waitFor(method: string, pred: (params: Json) => boolean, timeoutMs = 10000): Promise<Json> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${method}`));
      }, timeoutMs);
      const listener = (m: string, p: Json): void => {
        if (m !== method || !pred(p)) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(p);
      };
      this.listeners.push(listener);
    });
  }

  /**
   * Sends initialize and initialized. `workspaceFolders` (default: the root alone) also declares the
   * workspace-folders capability, so that the server accepts workspace/didChangeWorkspaceFolders.
   */
  async initialize(rootUri: string | null = null, initializationOptions: unknown = undefined, options: { workspaceFolders?: string[] } = {}): Promise<unknown> {
    const folders = options.workspaceFolders ?? (rootUri ? [rootUri] : []);
    const result = await this.request('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: folders.length || options.workspaceFolders ? folders.map((uri, i) => ({ uri, name: `ws${i}` })) : null,
      capabilities: {
        textDocument: { publishDiagnostics: {}, completion: { completionItem: { snippetSupport: true } }, synchronization: { didSave: true } },
        workspace: { configuration: this.settings !== undefined, workspaceFolders: options.workspaceFolders !== undefined, didChangeConfiguration: {} },
      },
      initializationOptions,
    });
    this.notify('initialized', {});
    return result;
  }

  async shutdown(): Promise<void> {
    try {
      await Promise.race([this.request('shutdown', null), new Promise((r) => setTimeout(r, 2000))]);
      this.notify('exit', null);
    } catch {
      // already gone
    }
    setTimeout(() => this.proc.kill('SIGKILL'), 1000).unref();
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }
}
