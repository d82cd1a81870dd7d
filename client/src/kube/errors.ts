/**
 * Errors a user must understand. Every failure of the apply flow becomes a KubeError whose
 * message says what was being done (verb, resource, namespace), against which context and
 * server, what went wrong, and what to try. Messages are built here, in one place, and are
 * passed through the Redactor by the code that builds them.
 */

export type KubeErrorKind =
  | 'config' // no kubeconfig, unknown context, unreadable file
  | 'credentials' // exec plugin / auth provider failed
  | 'unreachable'
  | 'tls'
  | 'timeout'
  | 'cancelled'
  | 'unauthorized' // 401
  | 'forbidden' // 403 (RBAC)
  | 'notServed' // resource type not served (discovery)
  | 'namespaceNotFound'
  | 'notFound'
  | 'invalid' // 422 schema / CEL validation
  | 'webhookDenied' // admission webhook denial (any status code)
  | 'conflict' // 409 field-manager conflict
  | 'badRequest'
  | 'serverError'
  | 'manifest' // the YAML itself (parse error, missing name, duplicate)
  | 'other';

/** metav1.Status as the API server returns it. */
export interface ApiStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

export interface FieldConflict {
  manager: string;
  field: string;
}

/** What was being attempted, for the message. */
export interface Attempt {
  /** Kubernetes verb: get, list, patch, create, discover. */
  verb: string;
  /** `virtualservices.networking.istio.io`, or `configmaps` for the core group. */
  resource?: string;
  namespace?: string;
  name?: string;
  /** Label of the resource, e.g. `VirtualService default/reviews`. */
  label?: string;
  dryRun?: boolean;
}

/** Where the request went. */
export interface Endpoint {
  contextName: string;
  server: string;
}

export class KubeError extends Error {
  override readonly name = 'KubeError';
  constructor(
    readonly kind: KubeErrorKind,
    message: string,
    readonly extra: {
      httpStatus?: number;
      apiStatus?: ApiStatus;
      /** Field paths the server named, as `spec.http[0].timeout`. */
      fieldPaths?: string[];
      conflicts?: FieldConflict[];
      /** The server's own message, unchanged (but redacted). */
      serverMessage?: string;
      /** Name of the admission webhook that denied the request. */
      webhook?: string;
      /**
       * For a request that got no answer: whether a connection had been made, so the request may
       * have reached the server (false: it is known not to have).
       */
      requestSent?: boolean;
    } = {},
  ) {
    super(message);
  }
  get fieldPaths(): string[] {
    return this.extra.fieldPaths ?? [];
  }
  get conflicts(): FieldConflict[] {
    return this.extra.conflicts ?? [];
  }
}

export function isKubeError(e: unknown): e is KubeError {
  return e instanceof KubeError;
}

function what(a: Attempt): string {
  const res = a.resource ?? 'resource';
  const name = a.name ? ` "${a.name}"` : '';
  const ns = a.namespace ? ` in namespace "${a.namespace}"` : '';
  return `${res}${name}${ns}`;
}

function doing(a: Attempt): string {
  const verb = a.verb === 'patch' ? 'apply (server-side PATCH)' : a.verb;
  return `${a.dryRun ? 'dry-run ' : ''}${verb} ${what(a)}`;
}

const TLS_CODES = new Set([
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ECONNRESET_TLS',
]);

const NET_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  ECONNABORTED: 'connection aborted',
};

function tlsReason(code: string, message: string): string {
  if (/wrong version number|packet length too long|ERR_SSL_WRONG_VERSION/i.test(`${code} ${message}`))
    return 'the server did not answer with TLS (is the URL\'s scheme or port wrong, e.g. https:// to a plain-HTTP port?)';
  if (/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_SIGNATURE/.test(code))
    return "the server's certificate is not signed by the cluster's certificate-authority in the kubeconfig";
  if (code === 'CERT_HAS_EXPIRED') return "the server's certificate has expired";
  if (code === 'CERT_NOT_YET_VALID') return "the server's certificate is not valid yet (check the clock)";
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return "the server's certificate does not name this host (tls-server-name may be needed)";
  return message;
}

/** A Node.js network/TLS error (no HTTP response) as a KubeError. */
export function transportError(err: unknown, ep: Endpoint, a: Attempt, timeoutMs?: number): KubeError {
  const e = err as { code?: string; message?: string; name?: string };
  const code = e?.code ?? '';
  const msg = e?.message ?? String(err);
  if (e?.name === 'AbortError' || code === 'ABORT_ERR') return new KubeError('cancelled', `Cancelled while trying to ${doing(a)}.`);
  if (code === 'MESH_TIMEOUT')
    return new KubeError(
      'timeout',
      `Timed out: the API server ${ep.server} (context "${ep.contextName}") did not answer within ${Math.round((timeoutMs ?? 0) / 100) / 10}s while trying to ${doing(a)}. The cluster may be overloaded or a webhook slow; try again, or raise meshYaml.requestTimeoutSeconds.`,
    );
  if (TLS_CODES.has(code) || /^ERR_SSL|^ERR_TLS|CERT_/.test(code) || /SSL routines|certificate|TLS/i.test(msg)) {
    return new KubeError(
      'tls',
      `TLS failure talking to ${ep.server} (context "${ep.contextName}"): ${tlsReason(code, msg)}. [${code || 'TLS'}]`,
    );
  }
  if (NET_CODES[code]) {
    return new KubeError(
      'unreachable',
      `Cannot reach the API server ${ep.server} of context "${ep.contextName}" (${NET_CODES[code]}). Is the cluster running, is the VPN/tunnel up, and is this the right context?`,
    );
  }
  return new KubeError('unreachable', `Request to ${ep.server} (context "${ep.contextName}") failed while trying to ${doing(a)}: ${msg}`);
}

/** Parses a response body as a Status, if it is one. */
export function parseStatus(body: string): ApiStatus | undefined {
  try {
    const v = JSON.parse(body) as ApiStatus;
    if (v && typeof v === 'object' && (v.kind === 'Status' || typeof v.message === 'string')) return v;
  } catch {
    /* not JSON */
  }
  return undefined;
}

const PATH_HEADS = ['spec', 'metadata', 'data', 'stringData', 'status', 'rules', 'subjects', 'roleRef', 'webhooks', 'items'];
const PATH_IN_TEXT = new RegExp(
  `(?:^|[\\s:"'(\\[,])(\\.?(?:${PATH_HEADS.join('|')})(?:\\.[A-Za-z_$][\\w$-]*|\\[\\d+\\]|\\[[A-Za-z_][\\w-]*=(?:"[^"]*"|[^\\]]*)\\])+)`,
  'g',
);

/** Field paths named by a Status: the causes' `field`s, then paths written in the message. */
export function fieldPathsOf(status: ApiStatus | undefined): string[] {
  if (!status) return [];
  const out: string[] = [];
  const add = (p: string | undefined): void => {
    if (!p) return;
    const clean = p.trim().replace(/^\./, '').replace(/[.:,]+$/, '');
    if (!clean || clean === '<nil>' || out.includes(clean)) return;
    out.push(clean);
  };
  for (const c of status.details?.causes ?? []) add(c.field);
  const text = [status.message ?? '', ...(status.details?.causes ?? []).map((c) => c.message ?? '')].join('\n');
  for (const m of text.matchAll(PATH_IN_TEXT)) add(m[1]);
  return out;
}

/** Field-manager conflicts of a 409 from a server-side apply. */
export function conflictsOf(status: ApiStatus | undefined): FieldConflict[] {
  const out: FieldConflict[] = [];
  for (const c of status?.details?.causes ?? []) {
    if (c.reason && c.reason !== 'FieldManagerConflict') continue;
    const m = /conflict with "([^"]+)"/.exec(c.message ?? '');
    out.push({ manager: m?.[1] ?? 'another field manager', field: (c.field ?? '').replace(/^\./, '') });
  }
  if (out.length === 0 && status?.message) {
    for (const m of status.message.matchAll(/conflict with "([^"]+)"(?: using [^:]+)?: (\.[^\s,]+)/g)) out.push({ manager: m[1], field: m[2].replace(/^\./, '') });
  }
  return out;
}

/** An HTTP error answer of the API server as a KubeError with a message a user can act on. */
export function apiError(httpStatus: number, body: string, ep: Endpoint, a: Attempt): KubeError {
  const status = parseStatus(body);
  const serverMessage = (status?.message ?? body.slice(0, 500)).trim();
  const label = a.label ?? what(a);
  const base = { httpStatus, apiStatus: status, serverMessage };
  const webhook = /admission webhook "([^"]+)" denied the request:?\s*([\s\S]*)/.exec(serverMessage);
  if (webhook) {
    return new KubeError('webhookDenied', `${label} was denied by the admission webhook "${webhook[1]}" (${httpStatus}): ${webhook[2] || 'no reason given'}`, {
      ...base,
      webhook: webhook[1],
      fieldPaths: fieldPathsOf(status),
    });
  }
  if (/failed calling webhook/.test(serverMessage)) {
    return new KubeError('serverError', `${label}: the API server could not call an admission webhook (${httpStatus}): ${serverMessage}. Is the mesh control plane (e.g. istiod) running?`, base);
  }
  switch (httpStatus) {
    case 401:
      return new KubeError(
        'unauthorized',
        `Unauthorized (401): the API server of context "${ep.contextName}" rejected the credentials while trying to ${doing(a)}. Log in again or refresh the credentials in your kubeconfig.`,
        base,
      );
    case 403:
      return new KubeError(
        'forbidden',
        `Forbidden (403): the user of context "${ep.contextName}" may not ${a.verb} ${what(a)}${a.dryRun ? ' (dry run)' : ''}. Ask for RBAC permission to "${a.verb}" ${a.resource ?? 'this resource'}${a.namespace ? ` in namespace "${a.namespace}"` : ''}. Server: ${serverMessage}`,
        base,
      );
    case 404:
      if (status?.details?.kind === 'namespaces') {
        const ns = status.details.name ?? a.namespace ?? '';
        return new KubeError('namespaceNotFound', `Namespace "${ns}" does not exist in context "${ep.contextName}" (needed by ${label}). Create it, or apply a Namespace resource with it.`, base);
      }
      return new KubeError('notFound', `Not found (404) while trying to ${doing(a)} in context "${ep.contextName}": ${serverMessage}`, base);
    case 409: {
      const conflicts = conflictsOf(status);
      if (conflicts.length > 0 || status?.reason === 'Conflict') {
        const list = conflicts.map((c) => `${c.field || '(unknown field)'} (owned by "${c.manager}")`).join(', ');
        return new KubeError(
          'conflict',
          `${label}: field-manager conflict (409): ${list || serverMessage}. Choose "Force" to take ownership of these fields, or change them with the tool that owns them.`,
          { ...base, conflicts, fieldPaths: conflicts.map((c) => c.field).filter(Boolean) },
        );
      }
      return new KubeError('conflict', `${label}: conflict (409): ${serverMessage}`, base);
    }
    case 422:
      return new KubeError('invalid', `${label} is invalid (422): ${serverMessage}`, { ...base, fieldPaths: fieldPathsOf(status) });
    case 400:
      return new KubeError('badRequest', `${label}: bad request (400): ${serverMessage}`, { ...base, fieldPaths: fieldPathsOf(status) });
    case 408:
    case 504:
      return new KubeError('timeout', `Timed out (${httpStatus}) on the API server of context "${ep.contextName}" while trying to ${doing(a)}: ${serverMessage}`, base);
    default:
      if (status?.reason === 'Timeout')
        return new KubeError('timeout', `Timed out (${httpStatus}) on the API server of context "${ep.contextName}" while trying to ${doing(a)}: ${serverMessage}`, base);
      return new KubeError(httpStatus >= 500 ? 'serverError' : 'other', `The API server of context "${ep.contextName}" answered ${httpStatus} while trying to ${doing(a)}: ${serverMessage}`, base);
  }
}

/** Any error as a KubeError (unknown errors keep their message). */
export function toKubeError(e: unknown): KubeError {
  if (e instanceof KubeError) return e;
  return new KubeError('other', e instanceof Error ? e.message : String(e));
}

/** The same error with every text passed through `redact` (messages may quote what the server echoed). */
export function redactError(e: KubeError, redact: (s: string) => string): KubeError {
  const extra = { ...e.extra };
  if (extra.serverMessage) extra.serverMessage = redact(extra.serverMessage);
  if (extra.apiStatus) {
    try {
      extra.apiStatus = JSON.parse(redact(JSON.stringify(extra.apiStatus))) as ApiStatus;
    } catch {
      extra.apiStatus = undefined;
    }
  }
  return new KubeError(e.kind, redact(e.message), extra);
}
