/**
 * The few REST calls the apply flow makes (discovery, GET, server-side apply PATCH, list),
 * over node:http/https with the agent and headers client-node computed for the context.
 * Doing the requests here (rather than through client-node's generated API classes) gives
 * per-request timeouts and cancellation, the exact `application/apply-patch+yaml` content type,
 * and the full Status body of every error, which the error messages are built from.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { apiError, KubeError, redactError, transportError, type Attempt, type Endpoint } from './errors';
import type { TargetDescription } from './protect';
import type { Redactor } from './redact';
import { silentLogger, type Logger } from './types';

export interface RequestOptions {
  method: 'GET' | 'PATCH' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the server URL, e.g. `/apis/networking.istio.io/v1`. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: string;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** What is being done, for error messages. */
  attempt: Attempt;
}

export interface HttpResponse {
  status: number;
  body: string;
}

export interface ConnectionInit {
  target: TargetDescription;
  headers: Record<string, string>;
  agent?: http.Agent;
  redactor: Redactor;
  timeoutMs: number;
  logger?: Logger;
}

export class KubeConnection {
  readonly target: TargetDescription;
  readonly redactor: Redactor;
  readonly logger: Logger;
  readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly agent?: http.Agent;

  constructor(init: ConnectionInit) {
    this.target = init.target;
    this.redactor = init.redactor;
    this.headers = init.headers;
    this.agent = init.agent;
    this.timeoutMs = init.timeoutMs;
    const log = init.logger ?? silentLogger;
    // Every line logged through the connection is redacted.
    this.logger = {
      info: (m) => log.info(this.redactor.redact(m)),
      warn: (m) => log.warn(this.redactor.redact(m)),
      error: (m) => log.error(this.redactor.redact(m)),
    };
  }

  get endpoint(): Endpoint {
    return { contextName: this.target.contextName, server: this.target.server };
  }

  /** Sends one request. Resolves with any HTTP status; rejects with a (redacted) KubeError when no response came. */
  request(opts: RequestOptions): Promise<HttpResponse> {
    const base = new URL(this.target.server);
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) q.set(k, v);
    const prefix = base.pathname.replace(/\/+$/, '');
    const qs = q.toString();
    const url = new URL(`${base.protocol}//${base.host}${prefix}${opts.path}${qs ? `?${qs}` : ''}`);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const mod = url.protocol === 'http:' ? http : https;
    const headers: Record<string, string> = {
      ...this.headers,
      Accept: opts.accept ?? 'application/json',
      'User-Agent': 'mesh-yaml',
    };
    if (opts.body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(opts.body));
    }
    const started = Date.now();
    const where = `${opts.method} ${url.pathname}${url.search}`;
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      // Whether a connection to the server was made: before it, a failed request is known not to have reached the server.
      let connected = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        const te = transportError(err, this.endpoint, opts.attempt, timeoutMs);
        const ke = redactError(new KubeError(te.kind, te.message, { ...te.extra, requestSent: connected }), (s) => this.redactor.redact(s));
        this.logger.warn(`${where} failed after ${Date.now() - started} ms: ${ke.message}`);
        reject(ke);
      };
      if (opts.signal?.aborted) {
        fail(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        return;
      }
      const req = mod.request(url, { method: opts.method, headers, agent: this.agent as http.Agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          const status = res.statusCode ?? 0;
          this.logger.info(`${where} -> ${status} (${Date.now() - started} ms)`);
          resolve({ status, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      const timer = setTimeout(() => req.destroy(Object.assign(new Error(`timeout after ${timeoutMs} ms`), { code: 'MESH_TIMEOUT' })), timeoutMs);
      const onAbort = (): void => {
        req.destroy(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('socket', (sock) => {
        if (!sock.connecting) connected = true;
        else sock.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => (connected = true));
      });
      req.on('error', fail);
      if (opts.body !== undefined) req.write(opts.body);
      req.end();
    });
  }

  /** A request whose answer must be 2xx; the JSON body is returned, any other status is a (redacted) KubeError. */
  async json<T>(opts: RequestOptions): Promise<{ status: number; value: T }> {
    const res = await this.request(opts);
    if (res.status < 200 || res.status >= 300) throw this.errorFor(res, opts.attempt);
    try {
      return { status: res.status, value: JSON.parse(res.body) as T };
    } catch {
      throw redactError(apiError(502, `the API server answered ${res.status} with a body that is not JSON: ${res.body.slice(0, 200)}`, this.endpoint, opts.attempt), (s) =>
        this.redactor.redact(s),
      );
    }
  }

  /** The KubeError for an HTTP error answer (redacted). */
  errorFor(res: HttpResponse, attempt: Attempt): ReturnType<typeof apiError> {
    return redactError(apiError(res.status, res.body, this.endpoint, attempt), (s) => this.redactor.redact(s));
  }
}
