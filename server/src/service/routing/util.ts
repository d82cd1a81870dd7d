import type { PathSeg } from '../model';
import { compileRegex } from '../schema/cel-regex';
import { isObj, num, obj, str, type Obj, type Resource } from '../workspace';
import type { ResRef, SourceLoc } from './types';

export const ROOT_NAMESPACE = 'istio-system';

export function refOf(res: Resource): ResRef {
  return { apiVersion: res.apiVersion, kind: res.kind, namespace: res.namespace, name: res.name };
}

export function locOf(res: Resource, path: PathSeg[] = []): SourceLoc {
  return { uri: res.uri, startLine: res.startLine, path, resource: refOf(res) };
}

export function nsName(res: { namespace: string; name: string }): string {
  return res.namespace ? `${res.namespace}/${res.name}` : res.name;
}

/** Full-match of an RE2 pattern (Envoy safe_regex semantics). Invalid patterns match nothing. */
export function fullMatch(pattern: string, text: string): boolean {
  try {
    return compileRegex(pattern).matches(text);
  } catch {
    return false;
  }
}

/** Spreads weights into percentages that sum to exactly 100 (two decimals). All-zero or empty: equal shares. */
export function percentages(weights: number[]): number[] {
  if (!weights.length) return [];
  const w = weights.map((x) => (Number.isFinite(x) && x > 0 ? x : 0));
  const total = w.reduce((a, b) => a + b, 0);
  if (total <= 0) return w.map(() => 0);
  const raw = w.map((x) => Math.round((x / total) * 10000) / 100);
  const sum = raw.reduce((a, b) => a + b, 0);
  const diff = Math.round((100 - sum) * 100) / 100;
  if (diff !== 0) {
    const i = raw.indexOf(Math.max(...raw));
    raw[i] = Math.round((raw[i] + diff) * 100) / 100;
  }
  return raw;
}

/** An Istio `Percent` ({value}) or a plain number, as 0-100. */
export function percentOf(v: unknown, dflt: number): number {
  if (isObj(v)) {
    const x = typeof v.value === 'number' ? v.value : Number(str(v.value));
    return Number.isFinite(x) ? x : dflt;
  }
  if (typeof v === 'number') return v;
  return dflt;
}

/** Kubernetes quantity such as `500m`, `1`, `0.5` as a number (SMI / ServiceProfile weights). */
export function quantity(v: unknown): number {
  if (typeof v === 'number') return v;
  const s = str(v)?.trim();
  if (!s) return 0;
  const m = /^([0-9.]+)(m|k|M|G)?$/.exec(s);
  if (!m) return 0;
  const n = Number(m[1]);
  const mult = m[2] === 'm' ? 0.001 : m[2] === 'k' ? 1000 : m[2] === 'M' ? 1e6 : m[2] === 'G' ? 1e9 : 1;
  return n * mult;
}

/** Gateway API hostname match: `*.example.com` covers `a.example.com` and `a.b.example.com`, not `example.com`. */
export function gwHostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === '*' || p === h) return true;
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return false;
}

/** Do two Gateway API hostnames (either may be a wildcard) intersect? */
export function gwHostsIntersect(a: string, b: string): boolean {
  return gwHostMatches(a, b) || gwHostMatches(b, a);
}

/** A ranking of how specifically a host pattern matches: exact beats wildcard, longer wildcard beats shorter. */
export function hostSpecificity(pattern: string, host: string): number {
  if (pattern === host) return 100000 + pattern.length;
  if (pattern === '*') return 0;
  return pattern.length;
}

/** Lower-cases header names. */
export function lowerKeys(m: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** Splits `host:port`. */
export function splitHostPort(host: string): { host: string; port?: number } {
  const m = /^(.*[^:]):(\d+)$/.exec(host);
  if (m && !host.startsWith('[')) return { host: m[1], port: Number(m[2]) };
  return { host };
}

/** Reads a `port` field that may be a number, a numeric string or `{number}`. */
export function portNumber(v: unknown): number | undefined {
  if (isObj(v)) return num(v.number);
  return num(v);
}

export function durationOf(v: unknown): string | undefined {
  return str(v);
}

/** Istio / Gateway API header-ops object as plain maps. */
export function headerOps(v: unknown): { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] } | undefined {
  if (!isObj(v)) return undefined;
  const out: { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] } = {};
  const mapOf = (x: unknown): Record<string, string> | undefined => {
    if (Array.isArray(x)) {
      const m: Record<string, string> = {};
      for (const e of x) if (isObj(e) && str(e.name) !== undefined) m[str(e.name)!] = str(e.value) ?? '';
      return Object.keys(m).length ? m : undefined;
    }
    if (isObj(x)) {
      const m: Record<string, string> = {};
      for (const [k, val] of Object.entries(x)) m[k] = str(val) ?? '';
      return Object.keys(m).length ? m : undefined;
    }
    return undefined;
  };
  const set = mapOf(v.set);
  const add = mapOf(v.add);
  const remove = Array.isArray(v.remove) ? v.remove.map((x) => str(x)).filter((x): x is string => !!x) : undefined;
  if (set) out.set = set;
  if (add) out.add = add;
  if (remove?.length) out.remove = remove;
  return Object.keys(out).length ? out : undefined;
}

export function mergeHeaderOps(
  a: { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] } | undefined,
  b: { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] } | undefined,
): { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] } | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    set: a.set || b.set ? { ...a.set, ...b.set } : undefined,
    add: a.add || b.add ? { ...a.add, ...b.add } : undefined,
    remove: a.remove || b.remove ? [...(a.remove ?? []), ...(b.remove ?? [])] : undefined,
  };
}

/** Creation time from metadata.creationTimestamp, for "oldest wins" tie-breaks; Infinity when absent. */
export function creationTime(res: Resource): number {
  const t = str(obj(res.obj.metadata).creationTimestamp);
  const ms = t ? Date.parse(t) : NaN;
  return Number.isFinite(ms) ? ms : Number.POSITIVE_INFINITY;
}

/** Parses `cluster.local/ns/NS/sa/SA`, `spiffe://...`, or Linkerd's `SA.NS.serviceaccount.identity.linkerd.DOMAIN`. */
export function parseIdentity(p: string | undefined): { namespace?: string; serviceAccount?: string } {
  if (!p) return {};
  const s = p.replace(/^spiffe:\/\//, '');
  const m = /(?:^|\/)ns\/([^/]+)\/sa\/([^/]+)$/.exec(s);
  if (m) return { namespace: m[1], serviceAccount: m[2] };
  const l = /^([^.]+)\.([^.]+)\.serviceaccount\.identity\./.exec(s);
  if (l) return { namespace: l[2], serviceAccount: l[1] };
  return {};
}

export function istioPrincipal(namespace: string, serviceAccount: string, trustDomain = 'cluster.local'): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

export function linkerdIdentity(namespace: string, serviceAccount: string, domain = 'cluster.local'): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.linkerd.${domain}`;
}

/** Is an IPv4 address inside a CIDR (or equal to a plain address)? IPv6 compares textually. */
export function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const toNum = (a: string): number | undefined => {
    const parts = a.split('.');
    if (parts.length !== 4) return undefined;
    let n = 0;
    for (const p of parts) {
      const x = Number(p);
      if (!/^\d+$/.test(p) || x > 255) return undefined;
      n = n * 256 + x;
    }
    return n;
  };
  const a = toNum(ip);
  const b = toNum(base);
  if (a === undefined || b === undefined) return ip === base;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const div = 2 ** (32 - bits);
  return Math.floor(a / div) === Math.floor(b / div);
}

export function fmtMap(m: Record<string, string>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export type { Obj };
