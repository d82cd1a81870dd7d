import { get, hostMatches, isObj, matchesSelector, num, obj, objs, str, stringMap, strings, WorkspaceIndex, type Obj, type Resource } from '../workspace';
import { configHost } from './hosts';
import type { MatchedRule, SimActions, SkippedRule } from './types';
import { creationTime, fullMatch, headerOps, hostSpecificity, locOf, mergeHeaderOps, nsName, percentOf, portNumber, refOf } from './util';
import { regexReplaceAll } from '../schema/cel-regex';

export const VS_GK = 'networking.istio.io/VirtualService';
export const GW_GK = 'networking.istio.io/Gateway';

/** The request as route matching sees it. */
export interface HttpRequest {
  /** Host as the client wrote it (no port). */
  host: string;
  /** Qualified host. */
  fqdn: string;
  port?: number;
  method: string;
  path: string;
  scheme: string;
  /** Did the caller give the scheme (or is it the default)? */
  schemeGiven?: boolean;
  headers: Record<string, string>;
  query: Record<string, string>;
  sourceNamespace?: string;
  sourceLabels?: Record<string, string>;
}

/** Where the request is being routed: `mesh` or a gateway `ns/name`. */
export type GatewayKey = string;

// ---------------------------------------------------------------------------------------------------------------
// Gateways and host binding

/** Normalises a gateway reference of a VirtualService in `ns` to `mesh` or `ns/name`. */
export function gatewayKey(ref: string, ns: string): GatewayKey {
  if (ref === 'mesh') return 'mesh';
  if (ref.includes('/')) return ref;
  const m = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(ref) ?? /^([^.]+)\.([^.]+)$/.exec(ref);
  if (m) return `${m[2]}/${m[1]}`;
  return `${ns}/${ref}`;
}

export function vsGateways(vs: Resource): GatewayKey[] {
  const g = strings(vs.spec.gateways);
  return g.length ? g.map((x) => gatewayKey(x, vs.namespace)) : ['mesh'];
}

export interface ServerView {
  index: number;
  name?: string;
  port: number;
  protocol: string;
  hosts: Array<{ ns?: string; host: string }>;
  tlsMode?: string;
  httpsRedirect: boolean;
}

export function gatewayServers(gw: Resource): ServerView[] {
  return objs(gw.spec.servers).map((s, i) => ({
    index: i,
    name: str(s.name),
    port: num(get(s, 'port', 'number')) ?? 0,
    protocol: (str(get(s, 'port', 'protocol')) ?? 'HTTP').toUpperCase(),
    hosts: strings(s.hosts).map((h) => {
      const k = h.indexOf('/');
      return k >= 0 ? { ns: h.slice(0, k), host: h.slice(k + 1) } : { host: h };
    }),
    tlsMode: str(get(s, 'tls', 'mode')),
    httpsRedirect: get(s, 'tls', 'httpsRedirect') === true,
  }));
}

/** May a VirtualService in `vsNs` bind to a server host entry (its optional `ns/` part) of a Gateway in `gwNs`? */
export function serverHostAllows(h: { ns?: string; host: string }, vsNs: string, gwNs: string): boolean {
  if (h.ns === undefined || h.ns === '*') return true;
  if (h.ns === '.') return vsNs === gwNs;
  return h.ns === vsNs;
}

export interface VsSelection {
  /** VirtualServices whose rules apply, in evaluation order. */
  chosen: Resource[];
  /** VirtualServices for the same host that are ignored (sidecars do not merge). */
  shadowed: Resource[];
  /** The VS host pattern that matched. */
  host?: string;
}

/**
 * The VirtualServices that route a host at an entry point. The most specific matching host wins (exact over
 * wildcard, longer wildcard over shorter). At a gateway, every VirtualService for that host is merged, oldest
 * first (workspace order when no creationTimestamp); at the mesh, only the first is used, as sidecars do not merge.
 */
export function selectVirtualServices(
  index: WorkspaceIndex,
  fqdn: string,
  gateway: GatewayKey,
  clientNs: string,
  server?: { hosts: Array<{ ns?: string; host: string }>; gwNs: string },
): VsSelection {
  const cands: Array<{ vs: Resource; pattern: string; score: number; order: number }> = [];
  index.of(VS_GK).forEach((vs, order) => {
    const hosts = strings(vs.spec.hosts);
    if (!hosts.length) return;
    if (!vsGateways(vs).includes(gateway)) return;
    if (gateway === 'mesh' && !WorkspaceIndex.visible(strings(vs.spec.exportTo), vs.namespace, clientNs)) return;
    let best: { pattern: string; score: number } | undefined;
    for (const h of hosts) {
      const q = configHost(h.toLowerCase(), vs.namespace);
      if (!(q === fqdn || hostMatches(q, fqdn))) continue;
      if (server && !server.hosts.some((sh) => serverHostAllows(sh, vs.namespace, server.gwNs) && hostMatches(sh.host, fqdn))) continue;
      const score = hostSpecificity(q, fqdn);
      if (!best || score > best.score) best = { pattern: q, score };
    }
    if (best) cands.push({ vs, ...best, order });
  });
  if (!cands.length) return { chosen: [], shadowed: [] };
  const top = Math.max(...cands.map((c) => c.score));
  const same = cands
    .filter((c) => c.score === top)
    .sort((a, b) => creationTime(a.vs) - creationTime(b.vs) || a.order - b.order);
  const pattern = same[0].pattern;
  const group = same.filter((c) => c.pattern === pattern).map((c) => c.vs);
  if (gateway === 'mesh') return { chosen: group.slice(0, 1), shadowed: group.slice(1), host: pattern };
  return { chosen: group, shadowed: [], host: pattern };
}

// ---------------------------------------------------------------------------------------------------------------
// Matching

/** Evaluates an Istio StringMatch; undefined when the matcher is empty (presence only). */
export function stringMatch(m: unknown, value: string | undefined, ignoreCase = false): boolean | undefined {
  if (!isObj(m)) return undefined;
  const v = value === undefined ? undefined : ignoreCase ? value.toLowerCase() : value;
  const cmp = (s: string): string => (ignoreCase ? s.toLowerCase() : s);
  if (str(m.exact) !== undefined) return v === cmp(str(m.exact)!);
  if (str(m.prefix) !== undefined) return v !== undefined && v.startsWith(cmp(str(m.prefix)!));
  if (str(m.regex) !== undefined) return v !== undefined && fullMatch(ignoreCase ? `(?i)${str(m.regex)!}` : str(m.regex)!, value ?? '');
  return undefined;
}

export function describeStringMatch(m: unknown): string {
  if (!isObj(m)) return 'present';
  if (str(m.exact) !== undefined) return `exact ${str(m.exact)}`;
  if (str(m.prefix) !== undefined) return `prefix ${str(m.prefix)}`;
  if (str(m.regex) !== undefined) return `regex ${str(m.regex)}`;
  return 'present';
}

/** One-line summary of an Istio HTTPMatchRequest. */
export function summarizeIstioMatch(m: Obj): string {
  const parts: string[] = [];
  if (isObj(m.uri)) parts.push(`uri ${describeStringMatch(m.uri)}${m.ignoreUriCase === true ? ' (any case)' : ''}`);
  for (const k of ['scheme', 'method', 'authority'] as const) if (isObj(m[k])) parts.push(`${k} ${describeStringMatch(m[k])}`);
  for (const [h, v] of Object.entries(obj(m.headers))) parts.push(`header ${h} ${describeStringMatch(v)}`);
  for (const [h, v] of Object.entries(obj(m.withoutHeaders))) parts.push(`without header ${h} ${describeStringMatch(v)}`);
  for (const [h, v] of Object.entries(obj(m.queryParams))) parts.push(`query ${h} ${describeStringMatch(v)}`);
  if (num(m.port) !== undefined) parts.push(`port ${num(m.port)}`);
  if (isObj(m.sourceLabels)) parts.push(`sourceLabels ${Object.entries(stringMap(m.sourceLabels)).map(([k, v]) => `${k}=${v}`).join(',')}`);
  if (str(m.sourceNamespace)) parts.push(`sourceNamespace ${str(m.sourceNamespace)}`);
  if (strings(m.gateways).length) parts.push(`gateways ${strings(m.gateways).join(',')}`);
  return parts.length ? parts.join(', ') : 'any request';
}

const quote = (v: string | undefined): string => (v === undefined ? '(absent)' : JSON.stringify(v));

/** Does one HTTPMatchRequest match? With the first reason when it does not. */
export function istioMatch(m: Obj, req: HttpRequest, gateway: GatewayKey, vsNs: string): { ok: boolean; why: string } {
  if (isObj(m.uri)) {
    const r = stringMatch(m.uri, req.path, m.ignoreUriCase === true);
    if (r === false) return { ok: false, why: `uri ${describeStringMatch(m.uri)} does not match ${req.path}` };
  }
  if (isObj(m.scheme) && stringMatch(m.scheme, req.scheme) === false) return { ok: false, why: `scheme ${describeStringMatch(m.scheme)} does not match ${req.scheme}` };
  if (isObj(m.method) && stringMatch(m.method, req.method) === false) return { ok: false, why: `method ${describeStringMatch(m.method)} does not match ${req.method}` };
  if (isObj(m.authority)) {
    const withPort = req.port !== undefined ? `${req.host}:${req.port}` : req.host;
    if (stringMatch(m.authority, req.host, true) === false && stringMatch(m.authority, withPort, true) === false) return { ok: false, why: `authority ${describeStringMatch(m.authority)} does not match ${req.host}` };
  }
  for (const [name, sm] of Object.entries(obj(m.headers))) {
    const v = req.headers[name.toLowerCase()];
    const r = stringMatch(sm, v);
    if (r === false || (r === undefined && v === undefined)) return { ok: false, why: `header ${name} ${describeStringMatch(sm)} does not match ${quote(v)}` };
  }
  for (const [name, sm] of Object.entries(obj(m.withoutHeaders))) {
    const v = req.headers[name.toLowerCase()];
    const r = stringMatch(sm, v);
    if (r === true || (r === undefined && v !== undefined)) return { ok: false, why: `withoutHeaders ${name} ${describeStringMatch(sm)} matches ${quote(v)}` };
  }
  for (const [name, sm] of Object.entries(obj(m.queryParams))) {
    const v = req.query[name];
    const r = stringMatch(sm, v);
    if (r === false || (r === undefined && v === undefined)) return { ok: false, why: `query ${name} ${describeStringMatch(sm)} does not match ${quote(v)}` };
  }
  const port = num(m.port);
  if (port !== undefined && port !== req.port) return { ok: false, why: `port ${port} does not match ${req.port ?? '(unknown port)'}` };
  if (isObj(m.sourceLabels)) {
    const want = stringMap(m.sourceLabels);
    if (!req.sourceLabels) return { ok: false, why: `sourceLabels ${Object.entries(want).map(([k, v]) => `${k}=${v}`).join(',')}: the caller's labels are not known` };
    if (!matchesSelector(want, req.sourceLabels)) return { ok: false, why: `sourceLabels ${Object.entries(want).map(([k, v]) => `${k}=${v}`).join(',')} do not match the caller` };
  }
  const sns = str(m.sourceNamespace);
  if (sns !== undefined && sns !== req.sourceNamespace) return { ok: false, why: `sourceNamespace ${sns} does not match ${req.sourceNamespace ?? '(unknown)'}` };
  const gws = strings(m.gateways).map((g) => gatewayKey(g, vsNs));
  if (gws.length && !gws.includes(gateway)) return { ok: false, why: `gateways [${gws.join(', ')}] do not include ${gateway}` };
  return { ok: true, why: summarizeIstioMatch(m) };
}

/** Does a rule match (any of its match blocks; none means every request)? */
export function istioRuleMatch(rule: Obj, req: HttpRequest, gateway: GatewayKey, vsNs: string): { ok: boolean; match?: number; why: string } {
  const matches = objs(rule.match);
  if (!Array.isArray(rule.match) || !matches.length) {
    // A VirtualService-level gateway list applies; rules without match blocks match everything.
    return { ok: true, why: 'any request' };
  }
  const whys: string[] = [];
  for (let i = 0; i < matches.length; i++) {
    const r = istioMatch(matches[i], req, gateway, vsNs);
    if (r.ok) return { ok: true, match: i, why: r.why };
    whys.push(r.why);
  }
  return { ok: false, why: whys.length === 1 ? whys[0] : whys.map((w, i) => `match ${i}: ${w}`).join('; ') };
}

// ---------------------------------------------------------------------------------------------------------------
// Walking rules (with delegation)

export interface IstioDestSpec {
  host: string;
  subset?: string;
  port?: number;
  weight?: number;
  /** The VS namespace, for qualifying the host. */
  namespace: string;
  path: Array<string | number>;
  vs: Resource;
  headers?: ReturnType<typeof headerOps>;
}

export interface IstioHit {
  vs: Resource;
  /** The list key: http, tcp or tls. */
  list: 'http' | 'tcp' | 'tls';
  ruleIndex: number;
  rule: Obj;
  matchIndex?: number;
  /** The match block that matched, if any. */
  match?: Obj;
  /** Root rule match when the rule came from a delegate. */
  rootMatch?: Obj;
  summary: string;
  delegatedFrom?: { vs: Resource; ruleIndex: number; rule: Obj };
}

export interface IstioWalk {
  hit?: IstioHit;
  skipped: SkippedRule[];
  notes: string[];
}

function skip(vs: Resource, list: string, i: number, rule: Obj, reason: string): SkippedRule {
  return { engine: 'istio', resource: refOf(vs), rule: i, ruleName: str(rule.name), reason, loc: locOf(vs, ['spec', list, i]) };
}

/** Evaluates the http rules of the chosen VirtualServices in order; the first match wins. */
export function walkIstioHttp(index: WorkspaceIndex, vsList: Resource[], req: HttpRequest, gateway: GatewayKey): IstioWalk {
  const skipped: SkippedRule[] = [];
  const notes: string[] = [];
  for (const vs of vsList) {
    const rules = objs(vs.spec.http);
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      const m = istioRuleMatch(rule, req, gateway, vs.namespace);
      if (!m.ok) {
        skipped.push(skip(vs, 'http', i, rule, m.why));
        continue;
      }
      const matchObj = m.match !== undefined ? objs(rule.match)[m.match] : undefined;
      if (isObj(rule.delegate)) {
        const dname = str(rule.delegate.name) ?? '';
        const dns = str(rule.delegate.namespace) ?? vs.namespace;
        const dvs = index.find(VS_GK, dns, dname);
        if (!dvs) {
          skipped.push(skip(vs, 'http', i, rule, `delegate VirtualService ${dns}/${dname} not found (the rule routes nothing)`));
          continue;
        }
        if (strings(dvs.spec.hosts).length) notes.push(`delegate ${nsName(dvs)} sets hosts; Istio ignores delegates with hosts`);
        const drules = objs(dvs.spec.http);
        let found: IstioHit | undefined;
        for (let j = 0; j < drules.length; j++) {
          const dm = istioRuleMatch(drules[j], req, gateway, dvs.namespace);
          if (!dm.ok) {
            skipped.push(skip(dvs, 'http', j, drules[j], `${dm.why} (delegated from ${nsName(vs)} rule ${i})`));
            continue;
          }
          if (isObj(drules[j].delegate)) {
            skipped.push(skip(dvs, 'http', j, drules[j], 'nested delegation is not supported by Istio'));
            continue;
          }
          found = {
            vs: dvs,
            list: 'http',
            ruleIndex: j,
            rule: drules[j],
            matchIndex: dm.match,
            match: dm.match !== undefined ? objs(drules[j].match)[dm.match] : undefined,
            rootMatch: matchObj,
            summary: [m.why, dm.why].filter((x) => x !== 'any request').join(' and ') || 'any request',
            delegatedFrom: { vs, ruleIndex: i, rule },
          };
          break;
        }
        if (found) return { hit: found, skipped, notes };
        skipped.push(skip(vs, 'http', i, rule, `matched, but no rule of delegate ${nsName(dvs)} matches`));
        continue;
      }
      return { hit: { vs, list: 'http', ruleIndex: i, rule, matchIndex: m.match, match: matchObj, summary: m.why }, skipped, notes };
    }
  }
  return { skipped, notes };
}

/** TCP/TLS rules: port, sniHosts (tls), sourceLabels, sourceNamespace, gateways. */
export function walkIstioL4(vsList: Resource[], req: HttpRequest, gateway: GatewayKey, list: 'tcp' | 'tls'): IstioWalk {
  const skipped: SkippedRule[] = [];
  for (const vs of vsList) {
    const rules = objs(vs.spec[list]);
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      const matches = objs(rule.match);
      if (!matches.length) return { hit: { vs, list, ruleIndex: i, rule, summary: 'any connection' }, skipped, notes: [] };
      let why = '';
      let hitIdx: number | undefined;
      for (let k = 0; k < matches.length && hitIdx === undefined; k++) {
        const m = matches[k];
        const port = num(m.port);
        const sni = strings(m.sniHosts);
        const gws = strings(m.gateways).map((g) => gatewayKey(g, vs.namespace));
        if (port !== undefined && port !== req.port) why = `port ${port} does not match ${req.port ?? '(unknown)'}`;
        else if (sni.length && !sni.some((h) => hostMatches(h, req.host) || hostMatches(h, req.fqdn))) why = `sniHosts [${sni.join(', ')}] do not match ${req.host}`;
        else if (isObj(m.sourceLabels) && !(req.sourceLabels && matchesSelector(stringMap(m.sourceLabels), req.sourceLabels))) why = 'sourceLabels do not match the caller';
        else if (str(m.sourceNamespace) !== undefined && str(m.sourceNamespace) !== req.sourceNamespace) why = `sourceNamespace ${str(m.sourceNamespace)} does not match`;
        else if (gws.length && !gws.includes(gateway)) why = `gateways [${gws.join(', ')}] do not include ${gateway}`;
        else hitIdx = k;
      }
      if (hitIdx !== undefined) return { hit: { vs, list, ruleIndex: i, rule, matchIndex: hitIdx, match: matches[hitIdx], summary: `${list} match ${hitIdx}` }, skipped, notes: [] };
      skipped.push(skip(vs, list, i, rule, why));
    }
  }
  return { skipped, notes: [] };
}

export function matchedRuleOf(hit: IstioHit): MatchedRule {
  return {
    engine: 'istio',
    resource: refOf(hit.vs),
    rule: hit.ruleIndex,
    ruleName: str(hit.rule.name),
    match: hit.matchIndex,
    summary: hit.summary,
    loc: locOf(hit.vs, ['spec', hit.list, hit.ruleIndex]),
    delegatedFrom: hit.delegatedFrom
      ? { resource: refOf(hit.delegatedFrom.vs), rule: hit.delegatedFrom.ruleIndex, ruleName: str(hit.delegatedFrom.rule.name), loc: locOf(hit.delegatedFrom.vs, ['spec', 'http', hit.delegatedFrom.ruleIndex]) }
      : undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Actions

export function routeDestinations(hit: IstioHit): IstioDestSpec[] {
  return objs(hit.rule.route).map((r, i) => ({
    host: str(get(r, 'destination', 'host')) ?? '',
    subset: str(get(r, 'destination', 'subset')),
    port: portNumber(get(r, 'destination', 'port')),
    weight: num(r.weight),
    namespace: hit.vs.namespace,
    path: ['spec', hit.list, hit.ruleIndex, 'route', i],
    vs: hit.vs,
    headers: isObj(r.headers) ? mergeHeaderOps(headerOps(get(r, 'headers', 'request')), undefined) : undefined,
  }));
}

function prefixOf(m: Obj | undefined): string | undefined {
  return m && isObj(m.uri) ? str(m.uri.prefix) : undefined;
}

/** What an Istio rule does besides choosing destinations. */
export function istioActions(hit: IstioHit, req: HttpRequest, qualify: (host: string) => string): SimActions {
  const rule = hit.rule;
  const a: SimActions = {};
  if (isObj(rule.rewrite)) {
    const rw = rule.rewrite;
    const rewrite: NonNullable<SimActions['rewrite']> = {};
    const uri = str(rw.uri);
    if (uri !== undefined) {
      rewrite.uri = uri;
      const p = prefixOf(hit.match) ?? prefixOf(hit.rootMatch);
      rewrite.path = p !== undefined && req.path.startsWith(p) ? uri + req.path.slice(p.length) : uri;
    }
    if (isObj(rw.uriRegexRewrite)) {
      const match = str(rw.uriRegexRewrite.match) ?? '';
      const repl = str(rw.uriRegexRewrite.rewrite) ?? '';
      rewrite.regex = { match, rewrite: repl };
      try {
        // RE2, as Envoy: linear time whatever the pattern (a backtracking engine can hang on `(a+)+$`)
        rewrite.path = regexReplaceAll(match, req.path, repl);
      } catch {
        /* invalid regex: path unchanged */
      }
    }
    if (str(rw.authority) !== undefined) rewrite.authority = str(rw.authority);
    a.rewrite = rewrite;
  }
  if (isObj(rule.redirect)) {
    const r = rule.redirect;
    const scheme = str(r.scheme) ?? req.scheme;
    const authority = str(r.authority) ?? req.host;
    const port = num(r.port);
    const derive = str(r.derivePort) === 'FROM_REQUEST_PORT' ? req.port : undefined;
    const portPart = port ?? derive;
    a.redirect = { status: num(r.redirectCode) ?? 301, location: `${scheme}://${authority}${portPart !== undefined ? `:${portPart}` : ''}${str(r.uri) ?? req.path}` };
  }
  if (isObj(rule.directResponse)) {
    const d = rule.directResponse;
    const body = isObj(d.body) ? (str(d.body.string) ?? (str(d.body.bytes) !== undefined ? '(bytes)' : undefined)) : undefined;
    a.directResponse = { status: num(d.status) ?? 200, body };
  }
  if (str(rule.timeout) !== undefined) a.timeout = str(rule.timeout);
  if (isObj(rule.retries)) {
    const r = rule.retries;
    a.retries = { attempts: num(r.attempts), perTryTimeout: str(r.perTryTimeout), retryOn: str(r.retryOn) };
  }
  if (isObj(rule.fault)) {
    const f = rule.fault;
    const fault: NonNullable<SimActions['fault']> = {};
    if (isObj(f.delay)) fault.delay = { fixedDelay: str(f.delay.fixedDelay), percent: percentOf(f.delay.percentage, num(f.delay.percent) ?? 100) };
    if (isObj(f.abort)) {
      fault.abort = { percent: percentOf(f.abort.percentage, 100) };
      if (num(f.abort.httpStatus) !== undefined) fault.abort.httpStatus = num(f.abort.httpStatus);
      if (str(f.abort.grpcStatus) !== undefined) fault.abort.grpcStatus = str(f.abort.grpcStatus);
    }
    a.fault = fault;
  }
  const mirrors: NonNullable<SimActions['mirrors']> = [];
  if (isObj(rule.mirror)) {
    mirrors.push({
      host: qualify(str(rule.mirror.host) ?? ''),
      subset: str(rule.mirror.subset) ?? null,
      port: portNumber(rule.mirror.port) ?? null,
      percent: percentOf(rule.mirrorPercentage, num(rule.mirrorPercent) ?? 100),
    });
  }
  for (const m of objs(rule.mirrors)) {
    const d = obj(m.destination);
    mirrors.push({ host: qualify(str(d.host) ?? ''), subset: str(d.subset) ?? null, port: portNumber(d.port) ?? null, percent: percentOf(m.percentage, 100) });
  }
  if (mirrors.length) a.mirrors = mirrors;
  if (isObj(rule.headers)) {
    const rq = headerOps(rule.headers.request);
    const rs = headerOps(rule.headers.response);
    if (rq) a.requestHeaders = rq;
    if (rs) a.responseHeaders = rs;
  }
  if (isObj(rule.corsPolicy)) a.cors = rule.corsPolicy;
  return a;
}

// ---------------------------------------------------------------------------------------------------------------
// Static analysis for the graph: catch-alls and shadowed rules

function isCatchAllMatch(m: Obj): boolean {
  const keys = Object.keys(m).filter((k) => k !== 'name' && k !== 'statPrefix' && k !== 'ignoreUriCase');
  if (!keys.length) return true;
  if (keys.length === 1 && keys[0] === 'uri' && isObj(m.uri)) {
    return str(m.uri.prefix) === '/' || str(m.uri.regex) === '.*' || str(m.uri.regex) === '/.*';
  }
  return false;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Does match `a` cover every request match `b` covers (a conservative check)? */
export function istioMatchCovers(a: Obj, b: Obj): boolean {
  if (isCatchAllMatch(a)) return true;
  for (const k of Object.keys(a)) {
    if (k === 'name' || k === 'statPrefix') continue;
    if (k === 'uri') {
      if (!isObj(b.uri) || (a.ignoreUriCase === true) !== (b.ignoreUriCase === true)) return false;
      const ap = str(obj(a.uri).prefix);
      const ae = str(obj(a.uri).exact);
      const bp = str(b.uri.prefix);
      const be = str(b.uri.exact);
      if (ap !== undefined && ((bp !== undefined && bp.startsWith(ap)) || (be !== undefined && be.startsWith(ap)))) continue;
      if (ae !== undefined && be === ae) continue;
      if (sameJson(a.uri, b.uri)) continue;
      return false;
    }
    if (k === 'ignoreUriCase') continue;
    if (k === 'headers' || k === 'queryParams' || k === 'sourceLabels') {
      const bm = obj(b[k]);
      for (const [hk, hv] of Object.entries(obj(a[k]))) if (!sameJson(hv, bm[hk])) return false;
      continue;
    }
    if (!sameJson(a[k], b[k])) return false;
  }
  return true;
}

/** Indices of http rules that can never match because earlier rules take every request they would. */
export function unreachableIstioRules(rules: Obj[]): Map<number, string> {
  const out = new Map<number, string>();
  for (let j = 0; j < rules.length; j++) {
    const bm = Array.isArray(rules[j].match) && objs(rules[j].match).length ? objs(rules[j].match) : [{}];
    for (let i = 0; i < j; i++) {
      if (isObj(rules[i].delegate)) continue;
      const am = Array.isArray(rules[i].match) && objs(rules[i].match).length ? objs(rules[i].match) : [{}];
      if (bm.every((b) => am.some((a) => istioMatchCovers(a, b)))) {
        out.set(j, `rule ${i}${str(rules[i].name) ? ` (${str(rules[i].name)})` : ''} above takes every request this rule matches`);
        break;
      }
    }
  }
  return out;
}
