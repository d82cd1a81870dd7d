import type { PathSeg } from '../../../model';
import { isObj, str, type Obj } from '../../../workspace';
import { eachObj, eachStr, has, int, wrapped, type Issues } from '../lib/issues';
import { durationNanos, headerNameError, headerValueError, isAuthorityHeader, msPrecisionError, regexError } from '../lib/net';

/**
 * Pieces of HTTP routing shared by VirtualService validation: string matches, header manipulation, CORS, fault
 * injection. Each mirrors a check of istiod's webhook (pkg/config/validation) in our own words.
 */

/** `exact` / `prefix` / `regex`: a prefix must not be empty (except for uri); a regex must compile as RE2. */
export function checkStringMatch(out: Issues, path: PathSeg[], sm: unknown, opts: { emptyPrefixOk?: boolean } = {}): void {
  if (!isObj(sm)) return;
  if (!opts.emptyPrefixOk && sm.prefix === '') out.error([...path, 'prefix'], 'A prefix match must not be empty; remove the match to match everything.', { on: 'value' });
  if (typeof sm.regex === 'string') {
    const e = regexError(sm.regex);
    if (e) out.error([...path, 'regex'], `${capital(e)}.`, { on: 'value' });
  }
}

export function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Is this header name the JWT-claim routing form (`@request.auth.claims.sub`, `@request.auth.claims[sub]`)? */
export function isJwtClaimHeader(name: string): boolean {
  const l = name.toLowerCase();
  return l.startsWith('@request.auth.claims.') || l.startsWith('@request.auth.claims[');
}

/** `headers` of a route or a destination: what may be added, set or removed, and the value syntax. */
export function checkHeaderOps(out: Issues, path: PathSeg[], headers: unknown): void {
  if (!isObj(headers)) return;
  for (const dir of ['request', 'response'] as const) {
    const ops = headers[dir];
    if (!isObj(ops)) continue;
    for (const op of ['add', 'set'] as const) {
      if (!isObj(ops[op])) continue;
      for (const [name, val] of Object.entries(ops[op] as Obj)) {
        const p = [...path, dir, op, name];
        const ne = dir === 'request' ? requestHeaderNameError(name) : responseHeaderNameError(name);
        if (ne) out.error(p, ne);
        const sv = str(val);
        if (sv !== undefined) {
          const ve = headerValueError(sv);
          if (ve) out.error(p, `${capital(ve)}.`, { on: 'value' });
        }
      }
    }
    eachStr(ops.remove, (name, i) => {
      const ne = responseHeaderNameError(name);
      if (ne) out.error([...path, dir, 'remove', i], ne, { on: 'value' });
    });
  }
}

function requestHeaderNameError(name: string): string | undefined {
  if (name === '') return 'A header name must not be empty.';
  if ((name.startsWith(':') || name.toLowerCase() === 'host') && !isAuthorityHeader(name)) return `Header "${name}" cannot be changed: pseudo-headers (":path", ":method"...) are managed by Envoy.`;
  return undefined;
}

function responseHeaderNameError(name: string): string | undefined {
  if (name === '') return 'A header name must not be empty.';
  if (name.toLowerCase() === 'host') return 'The Host header cannot be changed here; use rewrite.authority (or request.set on ":authority") instead.';
  if (name.startsWith(':')) return `Header "${name}" cannot be changed: pseudo-headers are managed by Envoy.`;
  return undefined;
}

/** The authority may be rewritten in one place only: `rewrite.authority` or one `headers.request` entry. */
export function checkAuthorityRewrite(out: Issues, path: PathSeg[], route: Obj): void {
  const places: PathSeg[][] = [];
  if (isObj(route.rewrite) && typeof route.rewrite.authority === 'string' && route.rewrite.authority !== '') places.push([...path, 'rewrite', 'authority']);
  const req = isObj(route.headers) && isObj(route.headers.request) ? route.headers.request : undefined;
  for (const op of ['set', 'add'] as const) {
    if (req && isObj(req[op])) for (const k of Object.keys(req[op] as Obj)) if (isAuthorityHeader(k)) places.push([...path, 'headers', 'request', op, k]);
  }
  if (places.length > 1) out.error(places[1], 'The authority (Host) is rewritten more than once in this route; keep a single rewrite.authority or one ":authority" header entry.');
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE']);

export function checkCors(out: Issues, path: PathSeg[], cors: unknown): void {
  if (!isObj(cors)) return;
  eachObj(cors.allowOrigins, (o, i) => {
    const v = str(o.exact) ?? str(o.prefix) ?? str(o.regex) ?? '';
    if (v === '') out.error([...path, 'allowOrigins', i], 'A CORS allowOrigins entry needs a non-empty exact, prefix or regex value.');
    else checkStringMatch(out, [...path, 'allowOrigins', i], o);
  });
  eachStr(cors.allowMethods, (m, i) => {
    if (!METHODS.has(m)) out.error([...path, 'allowMethods', i], `"${m}" is not an HTTP method istiod accepts (${[...METHODS].join(', ')}; upper case).`, { on: 'value' });
  });
  for (const key of ['allowHeaders', 'exposeHeaders']) {
    eachStr(cors[key], (h, i) => {
      if (h === '*') return;
      const e = headerNameError(h);
      if (e) out.error([...path, key, i], `${capital(e)}.`, { on: 'value' });
    });
  }
  const age = durationNanos(cors.maxAge);
  if (age !== undefined && age > 0n && age % 1_000_000_000n !== 0n) {
    out.error([...path, 'maxAge'], `CORS maxAge "${String(cors.maxAge)}" must be a whole number of seconds.`, { on: 'value' });
  }
}

const GRPC_STATUS = new Set([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
]);

function percentError(p: unknown): string | undefined {
  if (!isObj(p)) return undefined;
  const v = p.value;
  if (typeof v !== 'number') return undefined;
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) return `percentage ${v} must be 0 or between 0.0001 and 100`;
  return undefined;
}

export function checkFault(out: Issues, path: PathSeg[], fault: unknown): void {
  if (!isObj(fault)) return;
  if (!has(fault, 'abort') && !has(fault, 'delay')) out.error(path, 'Fault injection needs an abort, a delay, or both.');
  if (isObj(fault.abort)) {
    const a = fault.abort;
    const pe = percentError(a.percentage);
    if (pe) out.error([...path, 'abort', 'percentage', 'value'], `Abort ${pe}.`, { on: 'value' });
    if (has(a, 'grpcStatus')) {
      const g = str(a.grpcStatus) ?? '';
      if (!GRPC_STATUS.has(g)) out.error([...path, 'abort', 'grpcStatus'], `"${g}" is not a gRPC status name; use one like NOT_FOUND or UNAVAILABLE.`, { on: 'value' });
    } else if (has(a, 'http2Error')) {
      out.error([...path, 'abort', 'http2Error'], 'HTTP/2 error aborts are not supported by Istio yet; use httpStatus or grpcStatus.');
    } else if (has(a, 'httpStatus')) {
      const n = int(a.httpStatus);
      if (n !== undefined && (n < 200 || n > 600)) out.error([...path, 'abort', 'httpStatus'], `HTTP status ${n} is outside 200-599.`, { on: 'value' });
    } else {
      out.warn([...path, 'abort'], 'This abort has no httpStatus, grpcStatus or http2Error, so it has no effect.');
    }
  }
  if (isObj(fault.delay)) {
    const d = fault.delay;
    const pe = percentError(d.percentage);
    if (pe) out.error([...path, 'delay', 'percentage', 'value'], `Delay ${pe}.`, { on: 'value' });
    if (has(d, 'exponentialDelay')) out.error([...path, 'delay', 'exponentialDelay'], 'exponentialDelay is not supported by Istio yet; use fixedDelay.');
    const e = msPrecisionError(d.fixedDelay);
    if (e) out.error([...path, 'delay', 'fixedDelay'], `${capital(e)}.`, { on: 'value' });
  }
}

/** A percent wrapper (`mirrorPercentage`, `mirrors[].percentage`) must stay within 0..100. */
export function checkMirrorPercentage(out: Issues, path: PathSeg[], p: unknown): void {
  if (!isObj(p)) return;
  const v = wrapped(p);
  if (typeof v !== 'number') return;
  if (v > 100) out.error([...path, 'value'], `Mirror percentage ${v} is above 100.`, { on: 'value' });
  if (v < 0) out.error([...path, 'value'], `Mirror percentage ${v} is below 0.`, { on: 'value' });
}
