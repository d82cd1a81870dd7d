/**
 * Syntax checks shared by the istio-webhook rules: DNS names as istiod reads them, IP addresses and CIDRs,
 * ports and protocols, HTTP header names and values, RE2 regexes and durations. Each check returns an
 * error message in plain English, or undefined when the value is fine. Nothing here throws.
 */
import { parseCIDR, parseIP } from '../../../schema/cel-net';
import { compileRegex } from '../../../schema/cel-regex';
import { parseGoDuration } from '../../../schema/cel-values';

/** istiod's DNS-1123 label: letters (either case), digits and inner dashes, at most 63 characters. */
const LABEL_RE = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
/** A label that may start with `*` or `*-`, or be `*` alone. */
const WILDCARD_LABEL_RE = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;

export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && LABEL_RE.test(s);
}

function isWildcardLabel(s: string): boolean {
  return s.length <= 63 && WILDCARD_LABEL_RE.test(s);
}

function checkLength(name: string): string | undefined {
  if (name.length === 0) return 'an empty host name is not allowed';
  if (name.length > 255) return `host name "${name.slice(0, 40)}..." is longer than 255 characters`;
  return undefined;
}

function checkLabels(domain: string, whole: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1];
  if (/^[+-]?\d+$/.test(tld)) return `"${whole}" is not a valid host name: its last label "${tld}" is all digits`;
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === '') return undefined; // trailing dot: `istio.io.`
    if (!isDnsLabel(parts[i])) return `"${whole}" is not a valid host name: label "${parts[i]}" is not a DNS-1123 label`;
  }
  return undefined;
}

/** A fully qualified domain name, no wildcard (istiod's ValidateFQDN). */
export function fqdnError(name: string): string | undefined {
  return checkLength(name) ?? checkLabels(name, name);
}

/** A domain name that may start with a wildcard label (`*`, `*.example.com`, `*-svc.example.com`). */
export function wildcardDomainError(name: string): string | undefined {
  const len = checkLength(name);
  if (len) return len;
  const dot = name.indexOf('.');
  const first = dot < 0 ? name : name.slice(0, dot);
  if (!isWildcardLabel(first)) return `"${name}" is not a valid host name: label "${first}" is not a DNS-1123 label (a wildcard is only allowed as the first label)`;
  return dot < 0 ? undefined : checkLabels(name.slice(dot + 1), name);
}

/** `*` is allowed alone or as `*.suffix`; `foo*.com` or `*foo.com` are partial wildcards. */
export function partialWildcardError(host: string): string | undefined {
  if (host.includes('*') && host !== '*' && !host.startsWith('*.')) return `partial wildcard "${host}" is not allowed; use "*" or "*.domain"`;
  return undefined;
}

export function isIP(s: string): boolean {
  if (s.length === 0 || s.length > 64) return false;
  return typeof parseIP(s) !== 'string';
}

/** An IP address or a CIDR block (`10.0.0.0/8`). */
export function subnetError(s: string): string | undefined {
  if ((s.match(/\//g) ?? []).length === 1) return typeof parseCIDR(s) === 'string' ? `"${s}" is not a valid CIDR block` : undefined;
  return isIP(s) ? undefined : `"${s}" is not a valid IP address`;
}

export function isCIDR(s: string): boolean {
  return s.length <= 64 && typeof parseCIDR(s) !== 'string';
}

/** The path after `unix://`: absolute (or an abstract `@name` socket), and not a directory. */
export function unixAddressError(path: string): string | undefined {
  if (path.length === 0) return 'the unix socket path must not be empty';
  if (path.startsWith('@')) return undefined;
  if (!path.startsWith('/') || path.endsWith('/')) return `"${path}" is not an absolute path to a file`;
  return undefined;
}

export function portError(n: number): string | undefined {
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? undefined : `port ${n} is outside 1..65535`;
}

/** Istio protocol names, as `protocol.Parse` reads them (case-insensitive). */
export type Protocol = 'HTTP' | 'HTTPS' | 'HTTP2' | 'HTTP_PROXY' | 'GRPC' | 'GRPC-Web' | 'TCP' | 'TLS' | 'UDP' | 'Mongo' | 'Redis' | 'MySQL' | 'Unsupported';

const PROTOCOLS: Record<string, Protocol> = {
  http: 'HTTP',
  https: 'HTTPS',
  http2: 'HTTP2',
  http_proxy: 'HTTP_PROXY',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-Web',
  tcp: 'TCP',
  tls: 'TLS',
  udp: 'UDP',
  mongo: 'Mongo',
  redis: 'Redis',
  mysql: 'MySQL',
};

export function parseProtocol(s: string | undefined): Protocol {
  return PROTOCOLS[(s ?? '').toLowerCase()] ?? 'Unsupported';
}

export function isHttpProtocol(p: Protocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'HTTP_PROXY' || p === 'GRPC' || p === 'GRPC-Web';
}

export function isTlsProtocol(p: Protocol): boolean {
  return p === 'HTTPS' || p === 'TLS';
}

export function isTcpProtocol(p: Protocol): boolean {
  return p === 'TCP' || p === 'HTTPS' || p === 'TLS' || p === 'Mongo' || p === 'Redis' || p === 'MySQL';
}

export const PROTOCOL_NAMES = 'HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, TCP, TLS, MONGO, REDIS, MYSQL';

const HEADER_NAME_RE = /^[-_A-Za-z0-9]+$/;

/** A header name in a match or a policy: letters, digits, `-` and `_`. */
export function headerNameError(name: string): string | undefined {
  if (name === '') return 'a header name must not be empty';
  if (!HEADER_NAME_RE.test(name)) return `"${name}" is not a valid header name (only letters, digits, "-" and "_")`;
  return undefined;
}

export function isAuthorityHeader(name: string): boolean {
  const l = name.toLowerCase();
  return l === ':authority' || l === 'host';
}

/** Envoy's header value syntax: no control characters; `%` starts a `%VARIABLE%` unless doubled. */
export function headerValueError(value: string): string | undefined {
  if (/[\x00-\x08\x0A-\x1F\x7F]/.test(value)) return `header value ${JSON.stringify(value)} contains control characters`;
  type State = 'literal' | 'name' | 'array' | 'string' | 'delim' | 'expectString' | 'argsEnd' | 'varEnd';
  let state: State = 'literal';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const more = i + 1 < value.length;
    switch (state) {
      case 'literal':
        if (ch !== '%') break;
        if (!more) return `header value ${JSON.stringify(value)} ends with a single "%" (write "%%" for a literal percent sign)`;
        if (value[i + 1] === '%') i++;
        else state = 'name';
        break;
      case 'name':
        if (ch === '%') state = 'literal';
        else if (ch === '(') state = 'array';
        break;
      case 'array':
        if (ch === '[') state = 'expectString';
        else if (ch !== ' ') state = 'string';
        break;
      case 'delim':
        if (ch === ',') state = 'expectString';
        else if (ch === ']') state = 'argsEnd';
        else if (ch !== ' ') return `header value ${JSON.stringify(value)} has a malformed %VARIABLE(...)% argument list`;
        break;
      case 'expectString':
        if (ch === '"') state = 'string';
        else if (ch !== ' ') return `header value ${JSON.stringify(value)} has a malformed %VARIABLE(...)% argument list`;
        break;
      case 'string':
        if (ch === '\\') {
          if (!more) return `header value ${JSON.stringify(value)} ends with a backslash`;
          i++;
        } else if (ch === ')') state = 'varEnd';
        else if (ch === '"') state = 'delim';
        break;
      case 'argsEnd':
        if (ch === ')') state = 'varEnd';
        else if (ch !== ' ') return `header value ${JSON.stringify(value)} has a malformed %VARIABLE(...)% expression`;
        break;
      case 'varEnd':
        if (ch === '%') state = 'literal';
        else if (ch !== ' ') return `header value ${JSON.stringify(value)} has a malformed %VARIABLE(...)% expression`;
        break;
    }
  }
  if (state !== 'literal') return `header value ${JSON.stringify(value)} has an unterminated %VARIABLE% (write "%%" for a literal percent sign)`;
  return undefined;
}

/** istiod compiles match regexes with Go's RE2 engine: no lookaround, no backreferences, at most 1024 characters. */
export function regexError(re: string): string | undefined {
  if (re === '') return 'the regex must not be empty';
  if (re.length > 1024) return 'the regex is longer than 1024 characters';
  try {
    compileRegex(re);
    return undefined;
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/^invalid regex "(?:[^"\\]|\\.)*": /, '') : String(e);
    return `${JSON.stringify(re)} is not a valid RE2 regex (${why}); Istio regexes use RE2 syntax, without lookahead, lookbehind or backreferences`;
  }
}

/** Nanoseconds of a Go-style duration (`1.5s`, `100ms`), or undefined when it does not parse. */
export function durationNanos(v: unknown): bigint | undefined {
  return typeof v === 'string' ? parseGoDuration(v) : undefined;
}

/** istiod keeps durations to millisecond precision: `1.5ms` is rejected. */
export function msPrecisionError(v: unknown): string | undefined {
  const n = durationNanos(v);
  if (n === undefined || n < 1_000_000n) return undefined; // unparsable or below 1ms: the schema reports it
  return n % 1_000_000n === 0n ? undefined : `duration "${String(v)}" is finer than a millisecond; only whole milliseconds are supported`;
}

/** Kubernetes label key (`prefix/name`) as istiod checks it. */
export function labelKeyError(k: string): string | undefined {
  const m = /^((?:[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)*)\/)?((?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/.exec(k);
  if (!m) return `"${k}" is not a valid label key`;
  if (m[1] && m[1].length - 1 > 253) return `label key "${k}" has a prefix longer than 253 characters`;
  if (m[2].length > 63) return `label key "${k}" has a name longer than 63 characters`;
  return undefined;
}

export function labelValueError(v: string): string | undefined {
  return /^(?:(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v) ? undefined : `"${v}" is not a valid label value`;
}

/** Go's http.StatusText knows these codes; retryOn accepts them as retriable status codes. */
const HTTP_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408,
  409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

export function isKnownHttpStatus(n: number): boolean {
  return HTTP_STATUS.has(n);
}
