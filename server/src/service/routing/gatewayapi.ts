import { get, isObj, matchesLabelSelector, num, obj, objs, str, strings, type KService, type Obj, type Resource, type WorkspaceIndex } from '../workspace';
import type { HttpRequest } from './istio';
import type { Engine, MatchedRule, SimActions, SkippedRule } from './types';
import { creationTime, fullMatch, gwHostMatches, gwHostsIntersect, headerOps, hostSpecificity, locOf, nsName, refOf } from './util';

export const GW_API = 'gateway.networking.k8s.io';
export const GWAPI_GATEWAY_GK = `${GW_API}/Gateway`;
export const GWAPI_HTTPROUTE_GK = `${GW_API}/HTTPRoute`;
export const GWAPI_GRPCROUTE_GK = `${GW_API}/GRPCRoute`;
export const LINKERD_HTTPROUTE_GK = 'policy.linkerd.io/HTTPRoute';

export type RouteKind = 'HTTPRoute' | 'GRPCRoute';

export function engineOf(route: Resource): Engine {
  return route.group === 'policy.linkerd.io' ? 'linkerd' : 'gateway-api';
}

export interface ParentRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  sectionName?: string;
  port?: number;
  index: number;
}

export function parentRefs(route: Resource): ParentRef[] {
  return objs(route.spec.parentRefs).map((p, i) => ({
    group: str(p.group) ?? GW_API,
    kind: str(p.kind) ?? 'Gateway',
    namespace: str(p.namespace) ?? route.namespace,
    name: str(p.name) ?? '',
    sectionName: str(p.sectionName),
    port: num(p.port),
    index: i,
  }));
}

const isCoreGroup = (g: string): boolean => g === '' || g === 'core';

// ---------------------------------------------------------------------------------------------------------------
// Gateways and listeners

export interface ListenerView {
  index: number;
  name: string;
  port: number;
  protocol: string;
  hostname?: string;
  tlsMode?: string;
  from: string;
  selector?: unknown;
  kinds: string[];
}

export function gatewayListeners(gw: Resource): ListenerView[] {
  return objs(gw.spec.listeners).map((l, i) => {
    const protocol = (str(l.protocol) ?? 'HTTP').toUpperCase();
    const kinds = objs(get(l, 'allowedRoutes', 'kinds'))
      .map((k) => str(k.kind))
      .filter((k): k is string => !!k);
    return {
      index: i,
      name: str(l.name) ?? `listener-${i}`,
      port: num(l.port) ?? 0,
      protocol,
      hostname: str(l.hostname),
      tlsMode: str(get(l, 'tls', 'mode')),
      from: str(get(l, 'allowedRoutes', 'namespaces', 'from')) ?? 'Same',
      selector: get(l, 'allowedRoutes', 'namespaces', 'selector'),
      kinds: kinds.length ? kinds : protocol === 'HTTP' || protocol === 'HTTPS' ? ['HTTPRoute', 'GRPCRoute'] : protocol === 'TLS' ? ['TLSRoute'] : protocol === 'TCP' ? ['TCPRoute'] : ['UDPRoute'],
    };
  });
}

function nsLabels(index: WorkspaceIndex, ns: string): Record<string, string> {
  const n = index.find('/Namespace', '', ns);
  return { 'kubernetes.io/metadata.name': ns, ...(n?.labels ?? {}) };
}

/** The hostnames a route serves on a listener (the intersection), or undefined when it does not attach there. */
export function routeHostnamesOn(route: Resource, l: ListenerView): string[] | undefined {
  const hs = strings(route.spec.hostnames).map((h) => h.toLowerCase());
  if (!l.hostname) return hs.length ? hs : ['*'];
  if (!hs.length) return [l.hostname];
  const out: string[] = [];
  for (const h of hs) {
    if (!gwHostsIntersect(h, l.hostname)) continue;
    // The more specific of the two is what the route serves on this listener.
    out.push(gwHostMatches(h, l.hostname) ? l.hostname : h);
  }
  return out.length ? out : undefined;
}

/** Does a route attach to a listener of a Gateway? With the reason when it does not. */
export function attachesTo(index: WorkspaceIndex, route: Resource, gw: Resource, l: ListenerView): { ok: boolean; why: string; parent?: ParentRef } {
  const refs = parentRefs(route).filter((p) => p.group === GW_API && p.kind === 'Gateway' && p.name === gw.name && p.namespace === gw.namespace);
  if (!refs.length) return { ok: false, why: 'no parentRef to this Gateway' };
  const ref = refs.find((p) => (p.sectionName === undefined || p.sectionName === l.name) && (p.port === undefined || p.port === l.port));
  if (!ref) return { ok: false, why: `parentRef names another listener (sectionName/port)` };
  if (!l.kinds.includes(route.kind)) return { ok: false, why: `listener ${l.name} does not allow ${route.kind}` };
  if (l.from === 'Same' && route.namespace !== gw.namespace) return { ok: false, why: `listener ${l.name} allows routes from namespace ${gw.namespace} only` };
  if (l.from === 'Selector' && !matchesLabelSelector(l.selector, nsLabels(index, route.namespace))) return { ok: false, why: `namespace ${route.namespace} does not match listener ${l.name}'s selector` };
  if (!routeHostnamesOn(route, l)) return { ok: false, why: `no hostname of the route intersects listener ${l.name} (${l.hostname})` };
  return { ok: true, why: 'attached', parent: ref };
}

export function gwHostsIntersectAny(patterns: string[], host: string): boolean {
  return patterns.some((p) => gwHostsIntersect(p.toLowerCase(), host));
}

export function gatewayRoutes(index: WorkspaceIndex, gw: Resource, l: ListenerView): Resource[] {
  return [...index.of(GWAPI_HTTPROUTE_GK), ...index.of(GWAPI_GRPCROUTE_GK)].filter((r) => attachesTo(index, r, gw, l).ok);
}

/** Routes attached to a Service (GAMMA). Consumer routes (in the caller's namespace) win over producer routes. */
export function serviceRoutes(index: WorkspaceIndex, svc: KService, port: number | undefined, clientNs: string | undefined): { routes: Resource[]; consumer: boolean } {
  const all = [...index.of(GWAPI_HTTPROUTE_GK), ...index.of(LINKERD_HTTPROUTE_GK), ...index.of(GWAPI_GRPCROUTE_GK)].filter((r) =>
    parentRefs(r).some((p) => isCoreGroup(p.group) && p.kind === 'Service' && p.name === svc.res.name && p.namespace === svc.res.namespace && (p.port === undefined || port === undefined || p.port === port)),
  );
  const consumer = clientNs && clientNs !== svc.res.namespace ? all.filter((r) => r.namespace === clientNs) : [];
  if (consumer.length) return { routes: consumer, consumer: true };
  return { routes: all.filter((r) => r.namespace === svc.res.namespace), consumer: false };
}

/** Linkerd inbound routes: policy.linkerd.io / Gateway API routes whose parent is a Server. */
export function serverRoutes(index: WorkspaceIndex, server: Resource): Resource[] {
  return [...index.of(LINKERD_HTTPROUTE_GK), ...index.of(GWAPI_HTTPROUTE_GK), ...index.of(GWAPI_GRPCROUTE_GK)].filter(
    (r) => r.namespace === server.namespace && parentRefs(r).some((p) => p.group === 'policy.linkerd.io' && p.kind === 'Server' && p.name === server.name),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Matching

const DEFAULT_MATCH: Obj = { path: { type: 'PathPrefix', value: '/' } };

function pathOf(m: Obj): { type: string; value: string } {
  const p = obj(m.path);
  return { type: str(p.type) ?? 'PathPrefix', value: str(p.value) ?? '/' };
}

/** Gateway API PathPrefix: element-wise (`/foo` matches `/foo` and `/foo/bar`, not `/foobar`). */
export function pathPrefixMatches(prefix: string, path: string): boolean {
  const p = prefix.length > 1 ? prefix.replace(/\/+$/, '') : prefix;
  if (p === '/' || p === '') return true;
  return path === p || path.startsWith(p + '/');
}

export function isGrpcRequest(req: HttpRequest): boolean {
  return (req.headers['content-type'] ?? '').startsWith('application/grpc');
}

function grpcParts(path: string): { service?: string; method?: string } {
  const m = /^\/([^/]+)\/([^/]+)$/.exec(path);
  return m ? { service: m[1], method: m[2] } : {};
}

export function summarizeGwMatch(m: Obj, kind: RouteKind): string {
  const parts: string[] = [];
  if (kind === 'GRPCRoute') {
    const gm = obj(m.method);
    if (isObj(m.method)) parts.push(`grpc ${str(gm.type) === 'RegularExpression' ? 'regex ' : ''}${str(gm.service) ?? '*'}/${str(gm.method) ?? '*'}`);
  } else {
    const p = pathOf(m);
    if (isObj(m.path) || !Object.keys(m).length) parts.push(`path ${p.type} ${p.value}`);
    if (str(m.method)) parts.push(`method ${str(m.method)}`);
    for (const q of objs(m.queryParams)) parts.push(`query ${str(q.name)} ${str(q.type) === 'RegularExpression' ? '~' : '='} ${str(q.value)}`);
  }
  for (const h of objs(m.headers)) parts.push(`header ${str(h.name)} ${str(h.type) === 'RegularExpression' ? '~' : '='} ${str(h.value)}`);
  return parts.length ? parts.join(', ') : 'any request';
}

/** Does one Gateway API match block match? */
export function gwMatch(m: Obj, req: HttpRequest, kind: RouteKind): { ok: boolean; why: string } {
  if (kind === 'GRPCRoute') {
    if (isObj(m.method)) {
      const gm = m.method;
      const parts = grpcParts(req.path);
      const regex = str(gm.type) === 'RegularExpression';
      const svc = str(gm.service);
      const meth = str(gm.method);
      const test = (pat: string, v: string | undefined): boolean => v !== undefined && (regex ? fullMatch(pat, v) : pat === v);
      if (svc !== undefined && !test(svc, parts.service)) return { ok: false, why: `grpc service ${svc} does not match ${parts.service ?? req.path}` };
      if (meth !== undefined && !test(meth, parts.method)) return { ok: false, why: `grpc method ${meth} does not match ${parts.method ?? req.path}` };
    }
  } else {
    const p = pathOf(m);
    if (p.type === 'Exact' && req.path !== p.value) return { ok: false, why: `path Exact ${p.value} does not match ${req.path}` };
    if (p.type === 'PathPrefix' && !pathPrefixMatches(p.value, req.path)) return { ok: false, why: `path prefix ${p.value} does not match ${req.path}` };
    if (p.type === 'RegularExpression' && !fullMatch(p.value, req.path)) return { ok: false, why: `path regex ${p.value} does not match ${req.path}` };
    const method = str(m.method);
    if (method !== undefined && method.toUpperCase() !== req.method) return { ok: false, why: `method ${method} does not match ${req.method}` };
    for (const q of objs(m.queryParams)) {
      const name = str(q.name) ?? '';
      const want = str(q.value) ?? '';
      const v = req.query[name];
      const ok = v !== undefined && (str(q.type) === 'RegularExpression' ? fullMatch(want, v) : v === want);
      if (!ok) return { ok: false, why: `query ${name} ${str(q.type) === 'RegularExpression' ? '~' : '='} ${want} does not match ${v === undefined ? '(absent)' : JSON.stringify(v)}` };
    }
  }
  for (const h of objs(m.headers)) {
    const name = (str(h.name) ?? '').toLowerCase();
    const want = str(h.value) ?? '';
    const v = req.headers[name];
    const ok = v !== undefined && (str(h.type) === 'RegularExpression' ? fullMatch(want, v) : v === want);
    if (!ok) return { ok: false, why: `header ${name} ${str(h.type) === 'RegularExpression' ? '~' : '='} ${want} does not match ${v === undefined ? '(absent)' : JSON.stringify(v)}` };
  }
  return { ok: true, why: summarizeGwMatch(m, kind) };
}

/**
 * Precedence key (larger wins), per the HTTPRoute spec: Exact path over RegularExpression (Istio's choice; the
 * spec leaves regex implementation-specific) over PathPrefix; longer prefix; method; more headers; more query params.
 * GRPCRoute: longer service, longer method, more headers.
 */
export function precedenceKey(m: Obj, kind: RouteKind): number[] {
  if (kind === 'GRPCRoute') {
    const gm = obj(m.method);
    return [(str(gm.service) ?? '').length, (str(gm.method) ?? '').length, objs(m.headers).length];
  }
  const p = pathOf(m);
  const rank = p.type === 'Exact' ? 3 : p.type === 'RegularExpression' ? 2 : 1;
  return [rank, p.value.length, str(m.method) ? 1 : 0, objs(m.headers).length, objs(m.queryParams).length];
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

export interface GwHit {
  route: Resource;
  ruleIndex: number;
  rule: Obj;
  matchIndex?: number;
  match: Obj;
  summary: string;
}

interface Cand extends GwHit {
  key: number[];
  order: number;
}

function describeWin(w: Cand, c: Cand): string {
  const ka = w.key;
  const kb = c.key;
  const names = w.route.kind === 'GRPCRoute' ? ['a longer service', 'a longer method', 'more header matches'] : ['a more specific path type', 'a longer path', 'a method match', 'more header matches', 'more query param matches'];
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return names[i];
  if (w.route !== c.route) return creationTime(w.route) !== creationTime(c.route) ? 'an older route' : 'an earlier namespace/name';
  return 'an earlier rule';
}

/**
 * Chooses the winning rule among routes with Gateway API precedence. Ties: oldest route, then `namespace/name`
 * alphabetical, then rule order (then match order).
 */
export function selectGwRule(routes: Resource[], req: HttpRequest): { hit?: GwHit; skipped: SkippedRule[] } {
  const ordered = [...routes].sort((a, b) => creationTime(a) - creationTime(b) || nsName(a).localeCompare(nsName(b)));
  const cands: Cand[] = [];
  const skipped: Array<SkippedRule & { cand?: Cand }> = [];
  let order = 0;
  for (const route of ordered) {
    const kind = route.kind as RouteKind;
    const rules = objs(route.spec.rules);
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      const matches = objs(rule.matches).length ? objs(rule.matches) : [kind === 'GRPCRoute' ? {} : DEFAULT_MATCH];
      const explicit = objs(rule.matches).length > 0;
      const whys: string[] = [];
      let any = false;
      for (let k = 0; k < matches.length; k++) {
        const r = gwMatch(matches[k], req, kind);
        if (r.ok) {
          any = true;
          cands.push({ route, ruleIndex: i, rule, matchIndex: explicit ? k : undefined, match: matches[k], summary: r.why, key: precedenceKey(matches[k], kind), order: order++ });
        } else whys.push(matches.length > 1 ? `match ${k}: ${r.why}` : r.why);
      }
      if (!any) skipped.push({ engine: engineOf(route), resource: refOf(route), rule: i, ruleName: str(rule.name), reason: whys.join('; '), loc: locOf(route, ['spec', 'rules', i]) });
    }
  }
  if (!cands.length) return { skipped };
  const best = [...cands].sort((a, b) => -compareKeys(a.key, b.key) || a.order - b.order)[0];
  const seen = new Set<string>();
  for (const c of cands) {
    if (c === best) continue;
    const id = `${nsName(c.route)}#${c.ruleIndex}`;
    if (seen.has(id) || (c.route === best.route && c.ruleIndex === best.ruleIndex)) continue;
    seen.add(id);
    skipped.push({
      engine: engineOf(c.route),
      resource: refOf(c.route),
      rule: c.ruleIndex,
      ruleName: str(c.rule.name),
      reason: `matches (${c.summary}), but ${nsName(best.route)} rule ${best.ruleIndex} wins with ${describeWin(best, c)}`,
      loc: locOf(c.route, ['spec', 'rules', c.ruleIndex]),
    });
  }
  return { hit: best, skipped };
}

export function matchedGwRule(hit: GwHit): MatchedRule {
  return {
    engine: engineOf(hit.route),
    resource: refOf(hit.route),
    rule: hit.ruleIndex,
    ruleName: str(hit.rule.name),
    match: hit.matchIndex,
    summary: hit.summary,
    loc: locOf(hit.route, ['spec', 'rules', hit.ruleIndex]),
  };
}

/** Picks the routes of the most specific hostname that matches the request host (Envoy virtual host selection). */
export function routesForHost(routes: Resource[], l: ListenerView | undefined, host: string): Resource[] {
  let best = -1;
  let out: Resource[] = [];
  for (const r of routes) {
    const names = l ? (routeHostnamesOn(r, l) ?? []) : strings(r.spec.hostnames).length ? strings(r.spec.hostnames) : ['*'];
    let score = -1;
    for (const n of names) if (gwHostMatches(n, host)) score = Math.max(score, hostSpecificity(n.toLowerCase(), host.toLowerCase()));
    if (score < 0) continue;
    if (score > best) {
      best = score;
      out = [r];
    } else if (score === best) out.push(r);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Filters and backends

export interface GwBackend {
  group: string;
  kind: string;
  name: string;
  namespace: string;
  port?: number;
  weight: number;
  path: Array<string | number>;
  route: Resource;
  filters: Obj[];
}

export function ruleBackends(route: Resource, ruleIndex: number, rule: Obj): GwBackend[] {
  return objs(rule.backendRefs).map((b, i) => ({
    group: str(b.group) ?? '',
    kind: str(b.kind) ?? 'Service',
    name: str(b.name) ?? '',
    namespace: str(b.namespace) ?? route.namespace,
    port: num(b.port),
    weight: num(b.weight) ?? 1,
    path: ['spec', 'rules', ruleIndex, 'backendRefs', i],
    route,
    filters: objs(b.filters),
  }));
}

/** Is a reference from a route to a backend in another namespace allowed by a ReferenceGrant? */
export function referenceGranted(index: WorkspaceIndex, route: Resource, b: GwBackend): boolean {
  if (b.namespace === route.namespace) return true;
  return index.of(`${GW_API}/ReferenceGrant`).some(
    (g) =>
      g.namespace === b.namespace &&
      objs(g.spec.from).some((f) => (str(f.group) ?? '') === route.group && str(f.kind) === route.kind && str(f.namespace) === route.namespace) &&
      objs(g.spec.to).some((t) => (str(t.group) ?? '') === (isCoreGroup(b.group) ? '' : b.group) && str(t.kind) === b.kind && (str(t.name) === undefined || str(t.name) === b.name)),
  );
}

function replacePrefix(path: string, prefix: string, replacement: string): string {
  const p = prefix.length > 1 ? prefix.replace(/\/+$/, '') : prefix;
  let rest = p === '/' ? path : path.slice(p.length);
  if (rest && !rest.startsWith('/')) rest = '/' + rest;
  let out = replacement.replace(/\/+$/, '') + rest;
  if (!out.startsWith('/')) out = '/' + out;
  return out || '/';
}

function pathModifier(mod: unknown, req: HttpRequest, match: Obj): string | undefined {
  if (!isObj(mod)) return undefined;
  const t = str(mod.type);
  if (t === 'ReplaceFullPath') return str(mod.replaceFullPath) ?? '/';
  if (t === 'ReplacePrefixMatch') {
    const p = pathOf(match);
    return replacePrefix(req.path, p.type === 'PathPrefix' ? p.value : '/', str(mod.replacePrefixMatch) ?? '/');
  }
  return undefined;
}

export interface GwMirrorSpec {
  backend: GwBackend;
  percent: number;
}

/** Actions of a rule's filters, timeouts and retry. Mirrors come back separately for destination resolution. */
export function gwActions(hit: GwHit, req: HttpRequest): { actions: SimActions; mirrors: GwMirrorSpec[] } {
  const a: SimActions = {};
  const mirrors: GwMirrorSpec[] = [];
  const { rule, route } = hit;
  objs(rule.filters).forEach((f, fi) => {
    const type = str(f.type);
    switch (type) {
      case 'RequestHeaderModifier': {
        const h = headerOps(f.requestHeaderModifier);
        if (h) a.requestHeaders = h;
        break;
      }
      case 'ResponseHeaderModifier': {
        const h = headerOps(f.responseHeaderModifier);
        if (h) a.responseHeaders = h;
        break;
      }
      case 'RequestRedirect': {
        const r = obj(f.requestRedirect);
        const scheme = str(r.scheme) ?? req.scheme;
        const host = str(r.hostname) ?? req.host;
        const port = num(r.port) ?? (str(r.scheme) ? undefined : req.port);
        const defaultPort = scheme === 'https' ? 443 : 80;
        const path = pathModifier(r.path, req, hit.match) ?? req.path;
        a.redirect = { status: num(r.statusCode) ?? 302, location: `${scheme}://${host}${port !== undefined && port !== defaultPort ? `:${port}` : ''}${path}` };
        break;
      }
      case 'URLRewrite': {
        const r = obj(f.urlRewrite);
        const rw: NonNullable<SimActions['rewrite']> = {};
        const path = pathModifier(r.path, req, hit.match);
        if (path !== undefined) {
          rw.path = path;
          rw.uri = path;
        }
        if (str(r.hostname)) rw.authority = str(r.hostname);
        a.rewrite = rw;
        break;
      }
      case 'RequestMirror': {
        const r = obj(f.requestMirror);
        const b = obj(r.backendRef);
        let percent = 100;
        if (num(r.percent) !== undefined) percent = num(r.percent)!;
        else if (isObj(r.fraction)) percent = ((num(r.fraction.numerator) ?? 0) / (num(r.fraction.denominator) ?? 100)) * 100;
        mirrors.push({
          backend: { group: str(b.group) ?? '', kind: str(b.kind) ?? 'Service', name: str(b.name) ?? '', namespace: str(b.namespace) ?? route.namespace, port: num(b.port), weight: 1, path: ['spec', 'rules', hit.ruleIndex, 'filters', fi], route, filters: [] },
          percent,
        });
        break;
      }
      case 'CORS':
        a.cors = f.cors;
        break;
      default:
        (a.other ??= []).push(type === 'ExtensionRef' ? `ExtensionRef ${str(get(f, 'extensionRef', 'kind'))}/${str(get(f, 'extensionRef', 'name'))}` : (type ?? 'unknown filter'));
    }
  });
  const t = obj(rule.timeouts);
  if (str(t.request)) a.timeout = str(t.request);
  if (str(t.backendRequest)) a.backendTimeout = str(t.backendRequest);
  if (isObj(rule.retry)) {
    const r = rule.retry;
    a.retries = { attempts: num(r.attempts), codes: Array.isArray(r.codes) ? r.codes.map((c) => num(c)).filter((c): c is number => c !== undefined) : undefined, backoff: str(r.backoff) };
  }
  return { actions: a, mirrors };
}

/** Rules in one route that can never win: an earlier rule of the same route has an identical match. */
export function unreachableGwRules(route: Resource): Map<number, string> {
  const out = new Map<number, string>();
  const rules = objs(route.spec.rules);
  const seen = new Map<string, number>();
  const norm = (m: Obj): string => JSON.stringify(m, Object.keys(m).sort());
  for (let i = 0; i < rules.length; i++) {
    const ms = objs(rules[i].matches).length ? objs(rules[i].matches) : [route.kind === 'GRPCRoute' ? {} : DEFAULT_MATCH];
    const keys = ms.map((m) => norm(route.kind === 'GRPCRoute' ? m : { ...m, path: pathOf(m) }));
    const earlier = keys.map((k) => seen.get(k));
    if (earlier.every((e) => e !== undefined)) out.set(i, `rule ${earlier[0]} has the same matches and comes first`);
    keys.forEach((k) => {
      if (!seen.has(k)) seen.set(k, i);
    });
  }
  return out;
}
