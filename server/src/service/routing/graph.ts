import { get, hostsOverlap, isObj, num, obj, objs, str, stringMap, strings, type Obj, type Resource, type Workload, type WorkspaceIndex } from '../workspace';
import { destinationRulesFor, subsetsOf } from './destinations';
import {
  attachesTo,
  engineOf,
  gatewayListeners,
  GWAPI_GATEWAY_GK,
  GWAPI_GRPCROUTE_GK,
  GWAPI_HTTPROUTE_GK,
  gwHostsIntersectAny,
  LINKERD_HTTPROUTE_GK,
  parentRefs,
  referenceGranted,
  ruleBackends,
  serverRoutes,
  summarizeGwMatch,
  unreachableGwRules,
  type RouteKind,
} from './gatewayapi';
import { configHost, meshOfNamespace, meshOfWorkload, namespaceOfFqdn, requestFqdn, resolveHost, serviceWorkloads } from './hosts';
import { gatewayServers, GW_GK, summarizeIstioMatch, unreachableIstioRules, VS_GK, vsGateways } from './istio';
import { SP_GK, TS_GK } from './linkerd';
import { istioPoliciesFor, peerAuthMode, serverWorkloads } from './security';
import type { Badge, RouteEdge, RouteGraph, RouteNode, RouteQuery } from './types';
import { locOf, nsName, percentages, percentOf, portNumber, quantity, refOf, splitHostPort } from './util';

class GraphBuilder {
  readonly nodes = new Map<string, RouteNode>();
  readonly edges: RouteEdge[] = [];

  node(n: Omit<RouteNode, 'badges' | 'problems'> & Partial<Pick<RouteNode, 'badges' | 'problems'>>): RouteNode {
    const existing = this.nodes.get(n.id);
    if (existing) return existing;
    const full: RouteNode = { badges: [], problems: [], ...n };
    this.nodes.set(n.id, full);
    return full;
  }

  edge(e: Omit<RouteEdge, 'id' | 'badges' | 'problems'> & Partial<Pick<RouteEdge, 'badges' | 'problems'>>): RouteEdge {
    const id = `${e.kind}:${e.from}->${e.to}#${this.edges.length}`;
    const full: RouteEdge = { badges: [], problems: [], ...e, id };
    this.edges.push(full);
    return full;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Badges

function istioBadges(rule: Obj): Badge[] {
  const b: Badge[] = [];
  if (str(rule.timeout)) b.push({ kind: 'timeout', text: `timeout ${str(rule.timeout)}` });
  if (isObj(rule.retries)) b.push({ kind: 'retries', text: `retries ${num(rule.retries.attempts) ?? '?'}${str(rule.retries.perTryTimeout) ? ` x ${str(rule.retries.perTryTimeout)}` : ''}` });
  if (isObj(rule.fault)) {
    const f = rule.fault;
    if (isObj(f.delay)) b.push({ kind: 'fault', text: `delay ${str(f.delay.fixedDelay) ?? '?'} ${percentOf(f.delay.percentage, 100)}%` });
    if (isObj(f.abort)) b.push({ kind: 'fault', text: `abort ${num(f.abort.httpStatus) ?? str(f.abort.grpcStatus) ?? '?'} ${percentOf(f.abort.percentage, 100)}%` });
  }
  if (isObj(rule.mirror) || objs(rule.mirrors).length) b.push({ kind: 'mirror', text: `mirror ${[...(isObj(rule.mirror) ? [str(rule.mirror.host)] : []), ...objs(rule.mirrors).map((m) => str(get(m, 'destination', 'host')))].join(', ')}` });
  if (isObj(rule.rewrite)) b.push({ kind: 'rewrite', text: `rewrite ${str(rule.rewrite.uri) ?? str(get(rule.rewrite, 'uriRegexRewrite', 'rewrite')) ?? ''}${str(rule.rewrite.authority) ? ` host ${str(rule.rewrite.authority)}` : ''}`.trim() });
  if (isObj(rule.redirect)) b.push({ kind: 'redirect', text: `redirect ${num(rule.redirect.redirectCode) ?? 301}` });
  if (isObj(rule.directResponse)) b.push({ kind: 'direct-response', text: `respond ${num(rule.directResponse.status) ?? '?'}` });
  if (isObj(rule.corsPolicy)) b.push({ kind: 'cors', text: 'CORS' });
  if (isObj(rule.headers)) b.push({ kind: 'headers', text: 'headers' });
  if (isObj(rule.delegate)) b.push({ kind: 'delegate', text: `delegate ${str(rule.delegate.namespace) ? `${str(rule.delegate.namespace)}/` : ''}${str(rule.delegate.name)}` });
  return b;
}

function gwBadges(rule: Obj): Badge[] {
  const b: Badge[] = [];
  const t = obj(rule.timeouts);
  if (str(t.request)) b.push({ kind: 'timeout', text: `timeout ${str(t.request)}` });
  if (str(t.backendRequest)) b.push({ kind: 'timeout', text: `backend timeout ${str(t.backendRequest)}` });
  if (isObj(rule.retry)) b.push({ kind: 'retries', text: `retries ${num(rule.retry.attempts) ?? '?'}` });
  for (const f of objs(rule.filters)) {
    switch (str(f.type)) {
      case 'RequestRedirect':
        b.push({ kind: 'redirect', text: `redirect ${num(get(f, 'requestRedirect', 'statusCode')) ?? 302}` });
        break;
      case 'URLRewrite':
        b.push({ kind: 'rewrite', text: 'rewrite' });
        break;
      case 'RequestMirror':
        b.push({ kind: 'mirror', text: `mirror ${str(get(f, 'requestMirror', 'backendRef', 'name'))}` });
        break;
      case 'RequestHeaderModifier':
      case 'ResponseHeaderModifier':
        b.push({ kind: 'headers', text: 'headers' });
        break;
      case 'CORS':
        b.push({ kind: 'cors', text: 'CORS' });
        break;
      default:
        b.push({ kind: 'filter', text: str(f.type) ?? 'filter' });
    }
  }
  return b;
}

// ---------------------------------------------------------------------------------------------------------------
// Scope

interface Scope {
  host?: { raw: string; fqdn: string };
  namespace?: string;
}

function hostInScope(scope: Scope, pattern: string): boolean {
  if (!scope.host) return true;
  return hostsOverlap(pattern, scope.host.fqdn) || hostsOverlap(pattern, scope.host.raw);
}

function nsOfHost(h: string): string | undefined {
  return namespaceOfFqdn(h);
}

// ---------------------------------------------------------------------------------------------------------------
// Backends and workloads

function workloadId(w: Workload): string {
  return `workload:${w.namespace}/${w.res.kind}/${w.res.name}`;
}

function authzSummary(index: WorkspaceIndex, w: Workload): RouteNode['authz'] {
  const mesh = meshOfWorkload(index, w);
  if (mesh === 'linkerd') {
    const servers = index.of('policy.linkerd.io/Server').filter((s) => serverWorkloads(index, s).includes(w));
    if (!servers.length) return { summary: 'Linkerd: no Server; default inbound policy applies', policies: [] };
    const routes = servers.flatMap((s) => serverRoutes(index, s));
    const aps = index.of('policy.linkerd.io/AuthorizationPolicy').filter((a) => {
      if (a.namespace !== w.namespace) return false;
      const kind = str(get(a.spec, 'targetRef', 'kind'));
      const name = str(get(a.spec, 'targetRef', 'name'));
      if (kind === 'Namespace') return name === w.namespace;
      if (kind === 'Server') return servers.some((s) => s.name === name);
      return routes.some((r) => r.kind === kind && r.name === name);
    });
    return {
      summary: `Linkerd Servers ${servers.map((s) => `${s.name} (${str(s.spec.accessPolicy) ?? 'deny'} by default)`).join(', ')}; ${aps.length ? `authorized by ${aps.map((a) => a.name).join(', ')}` : 'no AuthorizationPolicy'}`,
      policies: [...servers, ...aps].map(refOf),
    };
  }
  if (mesh !== 'istio') return { summary: 'not in a mesh', policies: [] };
  const ps = istioPoliciesFor(index, w.namespace, w);
  if (!ps.length) return { summary: 'no AuthorizationPolicy: all requests allowed', policies: [] };
  const by = (a: string): Resource[] => ps.filter((p) => (str(p.spec.action) ?? 'ALLOW').toUpperCase() === a);
  const parts: string[] = [];
  if (by('CUSTOM').length) parts.push(`CUSTOM ${by('CUSTOM').map(nsName).join(', ')}`);
  if (by('DENY').length) parts.push(`DENY ${by('DENY').map(nsName).join(', ')}`);
  if (by('ALLOW').length) parts.push(`ALLOW ${by('ALLOW').map(nsName).join(', ')} (anything else is denied)`);
  if (!parts.length) parts.push('AUDIT only: all requests allowed');
  return { summary: parts.join('; '), policies: ps.map(refOf) };
}

/** Adds a backend node for host/subset and its workloads; returns the node id. */
function backendNode(g: GraphBuilder, index: WorkspaceIndex, fqdn: string, subset: string | undefined, clientNs: string, useDR: boolean, extraProblem?: string): string {
  const id = `backend:${fqdn}${subset ? `|${subset}` : ''}`;
  const found = index.lookupHost(fqdn, clientNs);
  const svc = found.service;
  const existing = g.nodes.get(id);
  if (existing) {
    if (extraProblem && !existing.problems.includes(extraProblem)) existing.problems.push(extraProblem);
    return id;
  }
  const problems: string[] = [];
  let broken = false;
  if (extraProblem) {
    problems.push(extraProblem);
    broken = true;
  }
  if (!svc && !found.entries.length) {
    problems.push(`host ${fqdn} is not a Service or ServiceEntry in the workspace`);
    broken ||= fqdn.endsWith('.svc.cluster.local') && index.hasWorkloads();
  }
  const drs = useDR ? destinationRulesFor(index, fqdn, clientNs) : [];
  const sub = subset !== undefined ? subsetsOf(drs).find((s) => s.name === subset) : undefined;
  if (subset !== undefined && !sub) {
    problems.push(drs.length ? `subset ${subset} is not defined in DestinationRule ${drs.map(nsName).join(', ')}` : `subset ${subset}: no DestinationRule for ${fqdn}`);
    broken = true;
  }
  const badges: Badge[] = [];
  const top = drs.find((d) => isObj(d.spec.trafficPolicy));
  const tp = { ...obj(top?.spec.trafficPolicy), ...(sub?.trafficPolicy ?? {}) };
  for (const k of ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls']) if (tp[k] !== undefined) badges.push({ kind: 'traffic-policy', text: k === 'tls' ? `tls ${str(get(tp, 'tls', 'mode')) ?? ''}`.trim() : k });
  const ns = svc?.res.namespace ?? nsOfHost(fqdn);
  const node = g.node({
    id,
    kind: 'backend',
    label: subset ? `${fqdn} (${subset})` : fqdn,
    detail: svc ? `Service ${nsName(svc.res)} ports ${svc.ports.map((p) => p.port).join(', ')}` : found.entries.length ? `ServiceEntry ${found.entries.map((e) => nsName(e.res)).join(', ')}` : 'unknown host',
    source: sub ? locOf(sub.dr, ['spec', 'subsets', sub.index]) : svc ? locOf(svc.res) : found.entries[0] ? locOf(found.entries[0].res) : undefined,
    problems,
    broken,
    badges,
    data: { host: fqdn, subset: subset ?? null, subsetLabels: sub?.labels, destinationRule: drs[0] ? refOf(drs[0]) : undefined, trafficPolicy: Object.keys(tp).length ? tp : undefined },
  });
  if (svc) {
    const ws = serviceWorkloads(index, svc, sub?.labels ?? {});
    if (!ws.length && index.hasWorkloads() && Object.keys(svc.selector).length) node.problems.push('no workload in the workspace matches');
    for (const w of ws) {
      const mesh = meshOfWorkload(index, w);
      const mode = mesh === 'istio' ? peerAuthMode(index, w.namespace, w, undefined).mode : mesh === 'linkerd' ? 'MUTUAL' : 'NONE';
      g.node({ id: workloadId(w), kind: 'workload', label: `${w.res.kind} ${w.res.name}`, detail: `ns ${w.namespace}, sa ${w.serviceAccount}`, source: locOf(w.res), mtls: mode, authz: authzSummary(index, w), data: { labels: w.labels, serviceAccount: w.serviceAccount } });
      g.edge({ from: id, to: workloadId(w), kind: 'select', mtls: mode, label: Object.entries({ ...svc.selector, ...(sub?.labels ?? {}) }).map(([k, v]) => `${k}=${v}`).join(',') });
    }
    node.mtls = ws.length ? g.nodes.get(workloadId(ws[0]))?.mtls : ns && meshOfNamespace(index, ns) === 'istio' ? peerAuthMode(index, ns, undefined, undefined).mode : undefined;
  }
  return id;
}

// ---------------------------------------------------------------------------------------------------------------
// Istio

function istioGatewayNode(g: GraphBuilder, index: WorkspaceIndex, key: string): string {
  if (key === 'mesh') return meshNode(g);
  const [ns, name] = key.split('/');
  const gw = index.find(GW_GK, ns, name);
  const id = `entry:istio:${key}`;
  if (!gw) {
    g.node({ id, kind: 'entry', engine: 'istio', label: `Gateway ${key}`, detail: 'not found', broken: true, problems: [`Istio Gateway ${key} is not in the workspace`] });
    return id;
  }
  const servers = gatewayServers(gw);
  g.node({
    id,
    kind: 'entry',
    engine: 'istio',
    label: `Gateway ${key}`,
    detail: servers.map((s) => `${s.protocol} ${s.port} ${s.hosts.map((h) => (h.ns ? `${h.ns}/${h.host}` : h.host)).join(',')}${s.tlsMode ? ` tls ${s.tlsMode}` : ''}${s.httpsRedirect ? ' (redirects to https)' : ''}`).join('; '),
    source: locOf(gw),
    data: { selector: stringMap(gw.spec.selector), servers },
  });
  return id;
}

function meshNode(g: GraphBuilder): string {
  g.node({ id: 'entry:mesh', kind: 'entry', label: 'mesh', detail: 'requests from workloads in the mesh (sidecars / proxies)' });
  return 'entry:mesh';
}

function destPercents(ws: Array<number | undefined>): number[] {
  if (ws.length === 1) return [100];
  if (ws.every((w) => w === undefined)) return percentages(ws.map(() => 1));
  return percentages(ws.map((w) => w ?? 0));
}

function addVirtualService(g: GraphBuilder, index: WorkspaceIndex, vs: Resource, shadowNote: string | undefined, scope: Scope, seen: Set<Resource>): string {
  const id = `route:${vs.gk}:${nsName(vs)}`;
  if (seen.has(vs)) return id;
  seen.add(vs);
  const hosts = strings(vs.spec.hosts);
  const node = g.node({ id, kind: 'route', engine: 'istio', label: `VirtualService ${nsName(vs)}`, detail: hosts.length ? `hosts ${hosts.join(', ')}` : 'delegate (no hosts)', source: locOf(vs) });
  if (shadowNote) node.problems.push(shadowNote);
  const q = (h: string): string => configHost(h.toLowerCase(), vs.namespace);
  for (const list of ['http', 'tcp', 'tls'] as const) {
    const rules = objs(vs.spec[list]);
    const unreachable = list === 'http' ? unreachableIstioRules(rules) : new Map<number, string>();
    rules.forEach((rule, i) => {
      const rid = `${id}:${list}:${i}`;
      const matches = objs(rule.match);
      const summary = matches.length ? matches.map((m) => (list === 'http' ? summarizeIstioMatch(m) : `${list} ${JSON.stringify(m)}`)).join(' | ') : 'any request';
      const rn = g.node({
        id: rid,
        kind: 'rule',
        engine: 'istio',
        label: `${list} #${i}${str(rule.name) ? ` ${str(rule.name)}` : ''}`,
        detail: summary,
        source: locOf(vs, ['spec', list, i]),
        badges: istioBadges(rule),
      });
      if (unreachable.has(i)) {
        rn.unreachable = true;
        rn.problems.push(`unreachable: ${unreachable.get(i)}`);
      }
      g.edge({ from: id, to: rid, kind: 'rule', match: summary, label: `#${i}`, source: locOf(vs, ['spec', list, i]) });
      if (isObj(rule.delegate)) {
        const dname = str(rule.delegate.name) ?? '';
        const dns = str(rule.delegate.namespace) ?? vs.namespace;
        const dvs = index.find(VS_GK, dns, dname);
        if (!dvs) {
          rn.broken = true;
          rn.problems.push(`delegate VirtualService ${dns}/${dname} not found`);
        } else {
          const did = addVirtualService(g, index, dvs, undefined, scope, seen);
          g.edge({ from: rid, to: did, kind: 'delegate', label: 'delegate' });
        }
      }
      if (isObj(rule.redirect) || isObj(rule.directResponse)) {
        const resp = isObj(rule.redirect)
          ? `${num(rule.redirect.redirectCode) ?? 301} → ${str(rule.redirect.scheme) ?? ''}${str(rule.redirect.scheme) ? '://' : ''}${str(rule.redirect.authority) ?? ''}${str(rule.redirect.uri) ?? ''}`
          : `${num(obj(rule.directResponse).status) ?? '?'} ${str(get(rule, 'directResponse', 'body', 'string')) ?? ''}`.trim();
        const pid = `response:${rid}`;
        g.node({ id: pid, kind: 'response', engine: 'istio', label: resp, source: locOf(vs, ['spec', list, i, isObj(rule.redirect) ? 'redirect' : 'directResponse']) });
        g.edge({ from: rid, to: pid, kind: 'route', percent: 100 });
      }
      const routes = objs(rule.route);
      const pcts = destPercents(routes.map((r) => num(r.weight)));
      routes.forEach((r, k) => {
        const host = q(str(get(r, 'destination', 'host')) ?? '');
        const subset = str(get(r, 'destination', 'subset'));
        const bid = backendNode(g, index, host, subset, vs.namespace, true);
        const b = g.nodes.get(bid)!;
        g.edge({ from: rid, to: bid, kind: 'route', percent: pcts[k], weight: num(r.weight), label: `${pcts[k]}%${portNumber(get(r, 'destination', 'port')) ? ` :${portNumber(get(r, 'destination', 'port'))}` : ''}`, mtls: b.mtls, broken: b.broken, problems: b.broken ? [...b.problems] : [], source: locOf(vs, ['spec', list, i, 'route', k]) });
      });
      const mirrors = [...(isObj(rule.mirror) ? [{ d: rule.mirror, p: percentOf(rule.mirrorPercentage, 100), path: ['spec', list, i, 'mirror'] }] : []), ...objs(rule.mirrors).map((m, k) => ({ d: obj(m.destination), p: percentOf(m.percentage, 100), path: ['spec', list, i, 'mirrors', k] }))];
      for (const m of mirrors) {
        const bid = backendNode(g, index, q(str(m.d.host) ?? ''), str(m.d.subset), vs.namespace, true);
        g.edge({ from: rid, to: bid, kind: 'mirror', percent: m.p, label: `mirror ${m.p}%`, source: locOf(vs, m.path) });
      }
    });
  }
  void scope;
  return id;
}

function vsInScope(vs: Resource, scope: Scope): boolean {
  const q = (h: string): string => configHost(h.toLowerCase(), vs.namespace);
  const dests = [...objs(vs.spec.http), ...objs(vs.spec.tcp), ...objs(vs.spec.tls)].flatMap((r) => objs(r.route).map((x) => q(str(get(x, 'destination', 'host')) ?? '')));
  if (scope.namespace && vs.namespace !== scope.namespace && !dests.some((d) => nsOfHost(d) === scope.namespace)) return false;
  if (scope.host && !strings(vs.spec.hosts).some((h) => hostInScope(scope, q(h)) || hostInScope(scope, h)) && !dests.some((d) => d === scope.host!.fqdn)) return false;
  return true;
}

function addIstio(g: GraphBuilder, index: WorkspaceIndex, scope: Scope): Set<string> {
  const meshHosts = new Set<string>();
  const seen = new Set<Resource>();
  const firstForHost = new Map<string, Resource>();
  for (const vs of index.of(VS_GK)) {
    const hosts = strings(vs.spec.hosts);
    if (!hosts.length || !vsInScope(vs, scope)) continue;
    const gws = vsGateways(vs);
    let shadow: string | undefined;
    if (gws.includes('mesh')) {
      for (const h of hosts) {
        const q = configHost(h.toLowerCase(), vs.namespace);
        meshHosts.add(q);
        const first = firstForHost.get(q);
        if (first && first !== vs) shadow = `ignored by sidecars for host ${q}: VirtualService ${nsName(first)} already defines it (sidecars do not merge VirtualServices)`;
        else firstForHost.set(q, vs);
      }
    }
    const rid = addVirtualService(g, index, vs, shadow, scope, seen);
    for (const gk of gws) {
      const eid = istioGatewayNode(g, index, gk);
      const entry = g.nodes.get(eid)!;
      g.edge({ from: eid, to: rid, kind: 'attach', label: hosts.join(', '), broken: entry.broken, problems: entry.broken ? [...entry.problems] : [], source: locOf(vs, gk === 'mesh' ? ['spec', 'hosts'] : ['spec', 'gateways']) });
    }
  }
  return meshHosts;
}

// ---------------------------------------------------------------------------------------------------------------
// Gateway API, Linkerd, SMI

function gwRouteInScope(index: WorkspaceIndex, r: Resource, scope: Scope): boolean {
  const backends = objs(r.spec.rules).flatMap((rule, i) => ruleBackends(r, i, rule));
  const svcParents = parentRefs(r).filter((p) => p.kind === 'Service');
  if (scope.namespace && r.namespace !== scope.namespace && !backends.some((b) => b.namespace === scope.namespace) && !svcParents.some((p) => p.namespace === scope.namespace)) return false;
  if (scope.host) {
    const h = scope.host;
    const hostnames = strings(r.spec.hostnames);
    const viaHostname = hostnames.length > 0 && gwHostsIntersectAny(hostnames, h.raw);
    const viaParent = svcParents.some((p) => `${p.name}.${p.namespace}.svc.cluster.local` === h.fqdn);
    const viaBackend = backends.some((b) => `${b.name}.${b.namespace}.svc.cluster.local` === h.fqdn);
    if (!viaHostname && !viaParent && !viaBackend) return false;
  }
  void index;
  return true;
}

function addGwRoute(g: GraphBuilder, index: WorkspaceIndex, r: Resource): void {
  const id = `route:${r.gk}:${nsName(r)}`;
  const engine = engineOf(r);
  const kind = r.kind as RouteKind;
  const hostnames = strings(r.spec.hostnames);
  g.node({ id, kind: 'route', engine, label: `${r.kind} ${nsName(r)}${r.group === 'policy.linkerd.io' ? ' (policy.linkerd.io)' : ''}`, detail: hostnames.length ? `hostnames ${hostnames.join(', ')}` : undefined, source: locOf(r) });
  let useDR = false;
  for (const p of parentRefs(r)) {
    const src = locOf(r, ['spec', 'parentRefs', p.index]);
    if (p.kind === 'Gateway') {
      const gw = index.find(GWAPI_GATEWAY_GK, p.namespace, p.name);
      const eid = `entry:gwapi:${p.namespace}/${p.name}`;
      if (!gw) {
        g.node({ id: eid, kind: 'entry', engine: 'gateway-api', label: `Gateway ${p.namespace}/${p.name}`, detail: 'not found', broken: true, problems: [`Gateway ${p.namespace}/${p.name} is not in the workspace`] });
        g.edge({ from: eid, to: id, kind: 'attach', broken: true, problems: ['parent Gateway not found'], source: src });
        continue;
      }
      useDR ||= (str(gw.spec.gatewayClassName) ?? '').startsWith('istio');
      const ls = gatewayListeners(gw);
      g.node({ id: eid, kind: 'entry', engine: 'gateway-api', label: `Gateway ${nsName(gw)}`, detail: ls.map((l) => `${l.name}: ${l.protocol} ${l.port}${l.hostname ? ` ${l.hostname}` : ''}`).join('; '), source: locOf(gw), data: { gatewayClassName: str(gw.spec.gatewayClassName), listeners: ls } });
      const ok = ls.filter((l) => attachesTo(index, r, gw, l).ok);
      const named = ls.filter((l) => (p.sectionName === undefined || l.name === p.sectionName) && (p.port === undefined || l.port === p.port));
      const why = named.length ? (named.map((l) => attachesTo(index, r, gw, l)).find((x) => !x.ok)?.why ?? '') : `Gateway ${nsName(gw)} has no listener ${p.sectionName ?? ''}${p.port ? ` on port ${p.port}` : ''}`.trim();
      g.edge({ from: eid, to: id, kind: 'attach', label: ok.length ? ok.map((l) => l.name).join(', ') : 'not attached', broken: !ok.length, problems: ok.length ? [] : [`does not attach: ${why}`], source: src });
    } else if (p.kind === 'Service') {
      useDR ||= meshOfNamespace(index, p.namespace) === 'istio';
      const eid = meshNode(g);
      const fqdn = `${p.name}.${p.namespace}.svc.cluster.local`;
      const missing = !index.kubeServices().has(fqdn);
      g.edge({ from: eid, to: id, kind: 'attach', label: `Service ${p.namespace}/${p.name}${p.port ? `:${p.port}` : ''}${r.namespace !== p.namespace ? ' (consumer route)' : ''}`, broken: missing, problems: missing ? [`parent Service ${p.namespace}/${p.name} not found`] : [], source: src });
    } else if (p.kind === 'Server') {
      const server = index.find('policy.linkerd.io/Server', p.namespace, p.name);
      const eid = `entry:server:${p.namespace}/${p.name}`;
      g.node({ id: eid, kind: 'entry', engine: 'linkerd', label: `Server ${p.namespace}/${p.name}`, detail: server ? `port ${str(server.spec.port)}, ${str(server.spec.proxyProtocol) ?? 'unknown protocol'} (inbound)` : 'not found', source: server ? locOf(server) : undefined, broken: !server, problems: server ? [] : [`Server ${p.namespace}/${p.name} is not in the workspace`] });
      g.edge({ from: eid, to: id, kind: 'attach', label: 'inbound', broken: !server, source: src });
      if (server) {
        for (const w of serverWorkloads(index, server)) {
          g.node({ id: workloadId(w), kind: 'workload', label: `${w.res.kind} ${w.res.name}`, detail: `ns ${w.namespace}, sa ${w.serviceAccount}`, source: locOf(w.res), mtls: 'MUTUAL', authz: authzSummary(index, w) });
          g.edge({ from: eid, to: workloadId(w), kind: 'select', mtls: 'MUTUAL' });
        }
      }
    }
  }
  const unreachable = unreachableGwRules(r);
  objs(r.spec.rules).forEach((rule, i) => {
    const rid = `${id}:rule:${i}`;
    const matches = objs(rule.matches);
    const summary = matches.length ? matches.map((m) => summarizeGwMatch(m, kind)).join(' | ') : kind === 'GRPCRoute' ? 'any request' : 'path PathPrefix /';
    const rn = g.node({ id: rid, kind: 'rule', engine, label: `rule #${i}${str(rule.name) ? ` ${str(rule.name)}` : ''}`, detail: summary, source: locOf(r, ['spec', 'rules', i]), badges: gwBadges(rule) });
    if (unreachable.has(i)) {
      rn.unreachable = true;
      rn.problems.push(`unreachable: ${unreachable.get(i)}`);
    }
    g.edge({ from: id, to: rid, kind: 'rule', match: summary, label: `#${i}`, source: locOf(r, ['spec', 'rules', i]) });
    const backends = ruleBackends(r, i, rule);
    const pcts = percentages(backends.map((b) => b.weight));
    backends.forEach((b, k) => {
      const core = b.group === '' || b.group === 'core';
      const fqdn = `${b.name}.${b.namespace}.svc.cluster.local`;
      let problem: string | undefined;
      if (!core || b.kind !== 'Service') problem = `backend kind ${b.kind} is not modelled`;
      else if (!index.kubeServices().has(fqdn)) problem = `backend Service ${b.namespace}/${b.name} not found`;
      else if (!referenceGranted(index, r, b)) problem = `no ReferenceGrant in ${b.namespace} allows this reference`;
      const bid = backendNode(g, index, fqdn, undefined, r.namespace, useDR, problem);
      const bn = g.nodes.get(bid)!;
      g.edge({ from: rid, to: bid, kind: 'route', percent: pcts[k], weight: b.weight, label: `${pcts[k]}%${b.port ? ` :${b.port}` : ''}`, mtls: bn.mtls, broken: !!problem, problems: problem ? [problem] : [], source: locOf(r, b.path) });
    });
    objs(rule.filters).forEach((f, fi) => {
      if (str(f.type) !== 'RequestMirror') return;
      const br = obj(get(f, 'requestMirror', 'backendRef'));
      const ns = str(br.namespace) ?? r.namespace;
      const bid = backendNode(g, index, `${str(br.name)}.${ns}.svc.cluster.local`, undefined, r.namespace, useDR);
      const pr = num(get(f, 'requestMirror', 'percent')) ?? 100;
      g.edge({ from: rid, to: bid, kind: 'mirror', percent: pr, label: `mirror ${pr}%`, source: locOf(r, ['spec', 'rules', i, 'filters', fi]) });
    });
  });
}

function addLinkerdProfiles(g: GraphBuilder, index: WorkspaceIndex, scope: Scope): Set<string> {
  const covered = new Set<string>();
  for (const sp of index.of(SP_GK)) {
    const fqdn = sp.name;
    if (scope.namespace && sp.namespace !== scope.namespace && nsOfHost(fqdn) !== scope.namespace) continue;
    if (scope.host && fqdn !== scope.host.fqdn) continue;
    covered.add(fqdn);
    const id = `route:${sp.gk}:${nsName(sp)}`;
    g.node({ id, kind: 'route', engine: 'service-profile', label: `ServiceProfile ${nsName(sp)}`, detail: fqdn, source: locOf(sp) });
    const eid = meshNode(g);
    g.edge({ from: eid, to: id, kind: 'attach', label: fqdn, source: locOf(sp, ['metadata', 'name']) });
    const overrides = objs(sp.spec.dstOverrides);
    const targets = overrides.length
      ? overrides.map((d, i) => ({ host: requestFqdn(index, splitHostPort(str(d.authority) ?? '').host.toLowerCase(), sp.namespace), w: quantity(d.weight), path: ['spec', 'dstOverrides', i] as Array<string | number> }))
      : [{ host: fqdn, w: 1, path: ['metadata', 'name'] as Array<string | number> }];
    const pcts = percentages(targets.map((t) => t.w));
    const routes = objs(sp.spec.routes);
    const froms = routes.length ? routes.map((_, i) => `${id}:route:${i}`) : [id];
    routes.forEach((rt, i) => {
      const rid = `${id}:route:${i}`;
      const c = obj(rt.condition);
      const summary = [str(c.method), str(c.pathRegex)].filter(Boolean).join(' ') || 'condition';
      const badges: Badge[] = [];
      if (str(rt.timeout)) badges.push({ kind: 'timeout', text: `timeout ${str(rt.timeout)}` });
      if (rt.isRetryable === true) badges.push({ kind: 'retries', text: 'retryable (budget)' });
      g.node({ id: rid, kind: 'rule', engine: 'service-profile', label: `route ${str(rt.name) ?? `#${i}`}`, detail: summary, source: locOf(sp, ['spec', 'routes', i]), badges });
      g.edge({ from: id, to: rid, kind: 'rule', match: summary, label: `#${i}` });
    });
    for (const from of froms) {
      targets.forEach((t, k) => {
        const bid = backendNode(g, index, t.host, undefined, sp.namespace, false);
        g.edge({ from, to: bid, kind: 'route', percent: pcts[k], label: `${pcts[k]}%`, mtls: g.nodes.get(bid)!.mtls, source: locOf(sp, t.path) });
      });
    }
  }
  for (const ts of index.of(TS_GK)) {
    const root = configHost((str(ts.spec.service) ?? '').toLowerCase(), ts.namespace);
    if (scope.namespace && ts.namespace !== scope.namespace) continue;
    if (scope.host && root !== scope.host.fqdn) continue;
    covered.add(root);
    const id = `route:${ts.gk}:${nsName(ts)}`;
    g.node({ id, kind: 'route', engine: 'smi', label: `TrafficSplit ${nsName(ts)}`, detail: `service ${str(ts.spec.service)}`, source: locOf(ts) });
    g.edge({ from: meshNode(g), to: id, kind: 'attach', label: root, source: locOf(ts, ['spec', 'service']) });
    const backends = objs(ts.spec.backends);
    const pcts = percentages(backends.map((b) => quantity(b.weight)));
    backends.forEach((b, k) => {
      const bid = backendNode(g, index, configHost((str(b.service) ?? '').toLowerCase(), ts.namespace), undefined, ts.namespace, false);
      g.edge({ from: id, to: bid, kind: 'route', percent: pcts[k], label: `${pcts[k]}%`, source: locOf(ts, ['spec', 'backends', k]) });
    });
  }
  return covered;
}

/**
 * The routing of a host, a namespace or the whole workspace as a graph: entry points (mesh, Istio Gateways,
 * Gateway API Gateways, Linkerd Servers) → route resources → rules → backends (host/subset) → workloads, with
 * match summaries, shares, badges, mTLS and authorization marks, and broken or unreachable parts flagged.
 */
export function buildRouteGraph(index: WorkspaceIndex, query: RouteQuery = {}): RouteGraph {
  const g = new GraphBuilder();
  const scope: Scope = { namespace: query.namespace };
  if (query.host) {
    const raw = splitHostPort(query.host.trim()).host.toLowerCase();
    scope.host = { raw, fqdn: resolveHost(index, raw, query.namespace).fqdn };
  }
  const meshHosts = addIstio(g, index, scope);
  for (const r of [...index.of(GWAPI_HTTPROUTE_GK), ...index.of(GWAPI_GRPCROUTE_GK), ...index.of(LINKERD_HTTPROUTE_GK)]) {
    if (gwRouteInScope(index, r, scope)) addGwRoute(g, index, r);
    for (const p of parentRefs(r)) if (p.kind === 'Service') meshHosts.add(`${p.name}.${p.namespace}.svc.cluster.local`);
  }
  for (const h of addLinkerdProfiles(g, index, scope)) meshHosts.add(h);
  // Services no route covers: the mesh passes requests straight through to their endpoints.
  for (const svc of index.kubeServices().values()) {
    if (meshHosts.has(svc.fqdn)) continue;
    if (scope.namespace && svc.res.namespace !== scope.namespace) continue;
    if (scope.host && svc.fqdn !== scope.host.fqdn) continue;
    const mesh = meshOfNamespace(index, svc.res.namespace);
    const bid = backendNode(g, index, svc.fqdn, undefined, svc.res.namespace, mesh === 'istio');
    g.edge({ from: meshNode(g), to: bid, kind: 'passthrough', label: 'no route: all endpoints', percent: 100, mtls: g.nodes.get(bid)!.mtls });
  }
  // Istio Gateways that nothing binds to still show as entry points when in scope.
  for (const gw of index.of(GW_GK)) {
    if (scope.namespace && gw.namespace !== scope.namespace) continue;
    if (scope.host && !gatewayServers(gw).some((s) => s.hosts.some((h) => hostInScope(scope, h.host)))) continue;
    istioGatewayNode(g, index, nsName(gw));
  }
  return { query, nodes: [...g.nodes.values()], edges: g.edges };
}
