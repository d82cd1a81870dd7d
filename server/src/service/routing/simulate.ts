import { hostMatches, matchesSelector, objs, str, stringMap, type Resource, type Workload, type WorkspaceIndex } from '../workspace';
import { resolveDestination, type DestContext, type DestInput } from './destinations';
import {
  attachesTo,
  engineOf,
  gatewayListeners,
  gatewayRoutes,
  gwActions,
  GWAPI_GATEWAY_GK,
  isGrpcRequest,
  matchedGwRule,
  referenceGranted,
  routesForHost,
  ruleBackends,
  selectGwRule,
  serverRoutes,
  serviceRoutes,
  type GwBackend,
  type ListenerView,
} from './gatewayapi';
import { configHost, meshOfHost, meshOfWorkload, namespaceOfFqdn, resolveHost, type HostTarget, type Mesh } from './hosts';
import {
  GW_GK,
  gatewayServers,
  istioActions,
  matchedRuleOf,
  routeDestinations,
  selectVirtualServices,
  walkIstioHttp,
  walkIstioL4,
  type HttpRequest,
  type IstioWalk,
  type ServerView,
} from './istio';
import { dstOverrides, matchedSpRoute, matchServiceProfile, serviceProfileFor, spActions, splitBackends, trafficSplitFor } from './linkerd';
import { istioAuthorize, istioPoliciesFor, noMtls, type SourceIdentity } from './security';
import type { AuthzResult, Engine, EntryPoint, MatchedRule, SimActions, SimDestination, SimRequest, SimulationResult, SkippedRule } from './types';
import { istioPrincipal, locOf, lowerKeys, nsName, parseIdentity, percentages, refOf, splitHostPort } from './util';

// ---------------------------------------------------------------------------------------------------------------
// Request normalisation and the caller

function normalize(r: SimRequest): { req: SimulationResult['request']; http: HttpRequest } {
  const hp = splitHostPort(r.host.trim());
  const host = hp.host.toLowerCase().replace(/\.$/, '');
  const port = r.port ?? hp.port;
  let path = r.path ?? '/';
  const query: Record<string, string> = {};
  const q = path.indexOf('?');
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(path.slice(q + 1))) query[k] = v;
    path = path.slice(0, q) || '/';
  }
  if (!path.startsWith('/')) path = '/' + path;
  Object.assign(query, r.query ?? {});
  const method = (r.method ?? 'GET').toUpperCase();
  const scheme = (r.scheme?.trim() || (port === 443 ? 'https' : 'http')).toLowerCase();
  const headers = lowerKeys(r.headers);
  return {
    req: { ...r, host, port, method, path, query, headers, scheme },
    http: { host, fqdn: host, port, method, path, scheme, schemeGiven: !!r.scheme?.trim(), headers, query, sourceNamespace: r.sourceNamespace, sourceLabels: r.sourceLabels },
  };
}

function callerWorkload(index: WorkspaceIndex, r: SimRequest): Workload | undefined {
  const ns = r.sourceNamespace ?? parseIdentity(r.sourcePrincipal).namespace;
  if (!r.sourceLabels || !Object.keys(r.sourceLabels).length) return undefined;
  return index.workloads().find((w) => (ns === undefined || w.namespace === ns) && matchesSelector(r.sourceLabels!, w.labels));
}

/** The caller of a mesh request: given identity, or derived from the workload its labels select. */
function meshSource(index: WorkspaceIndex, r: SimRequest): { src: SourceIdentity; w?: Workload } {
  const w = callerWorkload(index, r);
  const id = parseIdentity(r.sourcePrincipal);
  const namespace = r.sourceNamespace ?? id.namespace ?? w?.namespace;
  const principal = r.sourcePrincipal ?? (w ? istioPrincipal(w.namespace, w.serviceAccount) : undefined);
  const meshed = w ? meshOfWorkload(index, w) !== 'none' : true;
  const description = principal ? `caller ${principal}` : namespace ? `a caller in namespace ${namespace} (identity unknown)` : 'a caller of unknown identity';
  return { src: { namespace, principal, serviceAccount: id.serviceAccount ?? w?.serviceAccount, labels: r.sourceLabels ?? w?.labels, ip: r.sourceIp, meshed, description }, w };
}

/** The identity an Istio ingress Gateway's pods present to backends. */
function istioGatewaySource(index: WorkspaceIndex, gw: Resource, notes: string[]): SourceIdentity {
  const sel = stringMap(gw.spec.selector);
  const w = Object.keys(sel).length ? index.workloads().find((x) => matchesSelector(sel, x.labels)) : undefined;
  if (w) {
    const p = istioPrincipal(w.namespace, w.serviceAccount);
    return { namespace: w.namespace, principal: p, serviceAccount: w.serviceAccount, labels: w.labels, meshed: true, description: `the gateway workload ${nsName(w.res)} (${p})` };
  }
  const known: Record<string, [string, string]> = { ingressgateway: ['istio-system', 'istio-ingressgateway-service-account'], egressgateway: ['istio-system', 'istio-egressgateway-service-account'] };
  const k = known[sel.istio ?? ''];
  if (k) {
    const p = istioPrincipal(k[0], k[1]);
    notes.push(`gateway workload not in the workspace: assumed the default ${sel.istio} (${p})`);
    return { namespace: k[0], principal: p, serviceAccount: k[1], labels: sel, meshed: true, description: `the ${sel.istio} (${p}, assumed)` };
  }
  notes.push(`gateway workload for selector ${Object.entries(sel).map(([a, b]) => `${a}=${b}`).join(',')} not in the workspace: its identity is unknown`);
  return { namespace: gw.namespace, labels: sel, meshed: true, description: 'the gateway (identity unknown)' };
}

function gwApiSource(index: WorkspaceIndex, gw: Resource, notes: string[]): SourceIdentity {
  const labels = { 'gateway.networking.k8s.io/gateway-name': gw.name };
  const w = index.workloads().find((x) => x.namespace === gw.namespace && matchesSelector(labels, x.labels));
  const cls = str(gw.spec.gatewayClassName) ?? '';
  if (w) {
    const p = istioPrincipal(w.namespace, w.serviceAccount);
    return { namespace: w.namespace, principal: p, serviceAccount: w.serviceAccount, labels: w.labels, meshed: true, description: `the gateway workload ${nsName(w.res)}` };
  }
  if (cls === 'istio' || cls.startsWith('istio')) {
    const sa = `${gw.name}-${cls}`;
    const p = istioPrincipal(gw.namespace, sa);
    notes.push(`gateway deployment not in the workspace: assumed Istio's automated deployment (service account ${sa})`);
    return { namespace: gw.namespace, principal: p, serviceAccount: sa, labels, meshed: true, description: `the gateway ${nsName(gw)} (${p}, assumed)` };
  }
  notes.push(`gateway class ${cls || '(none)'}: the gateway's identity is unknown`);
  return { namespace: gw.namespace, labels, meshed: cls.includes('linkerd'), description: `the gateway ${nsName(gw)} (identity unknown)` };
}

// ---------------------------------------------------------------------------------------------------------------
// Result assembly

interface Partial {
  entry: EntryPoint;
  engine: Engine;
  outcome: SimulationResult['outcome'];
  matched: MatchedRule | null;
  skipped: SkippedRule[];
  actions: SimActions;
  destinations: SimDestination[];
  notes: string[];
  resolvedHost: string;
  resolvedPort?: number;
  /** The scheme the request used at the proxy that routed it. */
  scheme?: string;
  status?: number;
  gatewayAuthorization?: AuthzResult;
}

function notEvaluated(reason: string): AuthzResult {
  return { decision: 'NOT_EVALUATED', policy: null, reason, engine: 'none' };
}

/** Why no authorization ran when no destination was reached. */
function noWorkloadReason(p: Partial, dests: SimDestination[]): string {
  if (dests.length) return dests[0].authorization.reason;
  switch (p.outcome) {
    case 'redirect':
      return 'the proxy answers with a redirect: no request reaches a workload';
    case 'direct-response':
      return 'the proxy answers directly: no request reaches a workload';
    case 'not-found':
      return 'no route matches: no request reaches a workload';
    default:
      return 'no request reaches a workload';
  }
}

function finish(req: SimulationResult['request'], p: Partial): SimulationResult {
  // Shares: weights to percentages; zero-weight destinations receive nothing and are dropped.
  const pct = percentages(p.destinations.map((d) => d.weight ?? (p.destinations.length === 1 ? 100 : 0)));
  if (p.destinations.length > 1 && p.destinations.every((d) => d.weight === undefined)) pct.splice(0, pct.length, ...percentages(p.destinations.map(() => 1)));
  p.destinations.forEach((d, i) => (d.percent = pct[i] ?? 0));
  const zero = p.destinations.filter((d) => d.percent === 0);
  let outcome = p.outcome;
  if (zero.length && zero.length < p.destinations.length) p.notes.push(`weight 0, no traffic: ${zero.map((d) => d.host + (d.subset ? `/${d.subset}` : '')).join(', ')}`);
  if (zero.length === p.destinations.length && p.destinations.length) {
    p.notes.push('every destination has weight 0: no request can be routed');
    p.status ??= 503;
    outcome = 'error';
  }
  const dests = p.destinations.filter((d) => d.percent > 0);
  const byShare = [...dests].sort((a, b) => b.percent - a.percent);
  const main = byShare[0];
  let status = p.status;
  if (status === undefined) {
    if (outcome === 'redirect') status = p.actions.redirect?.status ?? 301;
    else if (outcome === 'direct-response') status = p.actions.directResponse?.status ?? 200;
    else if (outcome === 'not-found') status = 404;
    else {
      // The worst case over the destinations that receive traffic.
      const bad = dests.find((d) => d.status !== 200);
      status = bad?.status ?? 200;
      if (bad && dests.some((d) => d.status !== bad.status)) p.notes.push(`${bad.percent}% of requests (to ${bad.host}${bad.subset ? `/${bad.subset}` : ''}) get ${bad.status}`);
      if (outcome === 'routed' || outcome === 'passthrough') {
        if (status === 404) outcome = 'not-found';
        else if (status === 403) outcome = 'denied';
        else if (status >= 500) outcome = 'error';
      }
    }
    const abort = p.actions.fault?.abort;
    if (abort && abort.percent >= 100 && status === 200) status = abort.httpStatus ?? 503;
    else if (abort) p.notes.push(`fault: ${abort.percent}% of requests are aborted with ${abort.httpStatus ?? abort.grpcStatus}`);
  } else if (status >= 500 && (outcome === 'routed' || outcome === 'passthrough')) outcome = 'error';
  // Authorization: a DENY wins; else the largest share that reached a workload; else the gateway's own decision;
  // else nothing was evaluated.
  const reached = byShare.filter((d) => d.authorization.decision !== 'NOT_EVALUATED');
  let authorization: AuthzResult =
    reached.find((d) => d.authorization.decision === 'DENY')?.authorization ?? reached[0]?.authorization ?? p.gatewayAuthorization ?? notEvaluated(noWorkloadReason(p, dests));
  if (p.gatewayAuthorization?.decision === 'DENY') {
    authorization = p.gatewayAuthorization;
    status = 403;
    outcome = 'denied';
  }
  const hop = dests.find((d) => d.mtls.effective === 'fails') ?? main;
  return {
    request: req,
    resolvedHost: p.resolvedHost,
    resolvedPort: p.resolvedPort ?? p.entry.listener?.port ?? req.port,
    resolvedScheme: p.scheme ?? req.scheme ?? 'http',
    entry: p.entry,
    engine: p.engine,
    outcome,
    status,
    matched: p.matched,
    skipped: p.skipped,
    destinations: dests,
    actions: p.actions,
    mtls: hop?.mtls ?? noMtls('no request reaches a workload'),
    authorization,
    gatewayAuthorization: p.gatewayAuthorization,
    notes: [...new Set(p.notes)],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Engines

interface Env {
  index: WorkspaceIndex;
  req: SimulationResult['request'];
  http: HttpRequest;
  src: SourceIdentity;
  clientNs: string;
  clientLabels?: Record<string, string>;
  useDR: boolean;
  notes: string[];
}

function destContext(env: Env, actions: SimActions): DestContext {
  const { index } = env;
  return {
    index,
    src: env.src,
    clientNs: env.clientNs,
    clientLabels: env.clientLabels,
    useDR: env.useDR,
    requestPort: env.http.port,
    authz: { host: actions.rewrite?.authority ?? env.http.host, method: env.http.method, path: actions.rewrite?.path ?? env.http.path, headers: env.http.headers },
    inbound: (server) => {
      const routes = serverRoutes(index, server);
      if (!routes.length) return {};
      const sel = selectGwRule(routes, { ...env.http, path: actions.rewrite?.path ?? env.http.path });
      return sel.hit ? { route: sel.hit.route } : { noRoute: true };
    },
  };
}

function passthrough(env: Env, target: HostTarget, entry: EntryPoint, engine: Engine, skipped: SkippedRule[], why: string): Partial {
  const notes = [...env.notes, why];
  if (!target.service && !target.entries.length) notes.push(`${target.fqdn} is not a Service or ServiceEntry in the workspace: a sidecar passes it through with outboundTrafficPolicy ALLOW_ANY (the default) and blocks it with REGISTRY_ONLY`);
  const d = resolveDestination(destContext(env, {}), { host: target.fqdn, port: env.http.port });
  return { entry, engine, outcome: 'passthrough', matched: null, skipped, actions: {}, destinations: [d], notes, resolvedHost: target.fqdn };
}

function qualifier(ns: string): (h: string) => string {
  return (h) => configHost(h.toLowerCase(), ns);
}

/** Runs the http (or tcp/tls) rules of Istio VirtualServices and resolves the destinations. */
function runIstio(env: Env, vsList: Resource[], gateway: string, entry: EntryPoint, protocol: 'http' | 'tcp' | 'tls'): Partial {
  const walk: IstioWalk = protocol === 'http' ? walkIstioHttp(env.index, vsList, env.http, gateway) : walkIstioL4(vsList, env.http, gateway, protocol);
  const base = { entry, engine: 'istio' as Engine, skipped: walk.skipped, notes: [...env.notes, ...walk.notes], resolvedHost: env.http.fqdn };
  if (!walk.hit) {
    return { ...base, outcome: 'not-found', matched: null, actions: {}, destinations: [], notes: [...base.notes, `no rule of ${vsList.map((v) => `VirtualService ${nsName(v)}`).join(', ')} matches: the proxy answers 404 (route not found)`] };
  }
  const hit = walk.hit;
  const matched = matchedRuleOf(hit);
  const actions = istioActions(hit, env.http, qualifier(hit.vs.namespace));
  if (actions.redirect) return { ...base, outcome: 'redirect', matched, actions, destinations: [] };
  if (actions.directResponse) return { ...base, outcome: 'direct-response', matched, actions, destinations: [] };
  const specs = routeDestinations(hit);
  if (!specs.length) return { ...base, outcome: 'error', status: 500, matched, actions, destinations: [], notes: [...base.notes, 'the matched rule has no route, redirect or directResponse'] };
  const ctx = destContext(env, actions);
  const destinations = specs.map((s) =>
    resolveDestination(ctx, {
      host: configHost(s.host.toLowerCase(), s.namespace),
      subset: s.subset,
      port: s.port,
      weight: s.weight ?? (specs.length === 1 ? 100 : 0),
      loc: locOf(s.vs, s.path),
    }),
  );
  if (specs.length > 1 && specs.every((s) => s.weight === undefined)) {
    destinations.forEach((d) => (d.weight = 1));
    base.notes.push('no weights given: Istio splits equally');
  }
  return { ...base, outcome: 'routed', matched, actions, destinations };
}

function backendInput(env: Env, b: GwBackend, parentService?: HostTarget): DestInput {
  const loc = locOf(b.route, b.path);
  const core = b.group === '' || b.group === 'core';
  if (!core || b.kind !== 'Service') {
    return { host: `${b.name}.${b.namespace}`, port: b.port, weight: b.weight, loc, invalid: `backend kind ${b.group ? `${b.group}/` : ''}${b.kind} is not modelled` };
  }
  const fqdn = `${b.name}.${b.namespace}.svc.cluster.local`;
  let invalid: string | undefined;
  if (!env.index.kubeServices().has(fqdn)) invalid = `backend Service ${b.namespace}/${b.name} not found`;
  else if (!referenceGranted(env.index, b.route, b)) invalid = `no ReferenceGrant in ${b.namespace} lets ${b.route.kind} ${nsName(b.route)} reference Service ${b.name}`;
  else if (b.port === undefined && !parentService && b.route.group !== 'policy.linkerd.io') invalid = `backendRef to Service ${b.name} needs a port`;
  return { host: fqdn, port: b.port, weight: b.weight, loc, invalid };
}

/** Runs Gateway API / Linkerd routes (Gateway or Service parents) and resolves the backends. */
function runGwApi(env: Env, routes: Resource[], entry: EntryPoint, parentService?: HostTarget): Partial {
  const grpc = isGrpcRequest(env.http);
  let pool = routes.filter((r) => (grpc ? r.kind === 'GRPCRoute' : r.kind === 'HTTPRoute'));
  if (!pool.length) pool = routes;
  const engine = pool.length ? engineOf(pool[0]) : 'gateway-api';
  const sel = selectGwRule(pool, env.http);
  const base = { entry, engine, skipped: sel.skipped, notes: [...env.notes], resolvedHost: env.http.fqdn };
  if (!sel.hit) {
    return { ...base, outcome: 'not-found', matched: null, actions: {}, destinations: [], notes: [...base.notes, `no rule of ${pool.map((r) => `${r.kind} ${nsName(r)}`).join(', ')} matches: 404`] };
  }
  const hit = sel.hit;
  const matched = matchedGwRule(hit);
  const { actions, mirrors } = gwActions(hit, env.http);
  if (actions.redirect) return { ...base, outcome: 'redirect', matched, actions, destinations: [] };
  const ctx = destContext(env, actions);
  if (mirrors.length) {
    actions.mirrors = mirrors.map((m) => {
      const i = backendInput(env, m.backend, parentService);
      return { host: i.host, subset: null, port: i.port ?? null, percent: m.percent };
    });
  }
  const backends = ruleBackends(hit.route, hit.ruleIndex, hit.rule);
  for (const b of backends) if (b.filters.length) base.notes.push(`backendRef ${b.name} has its own filters (${b.filters.map((f) => str(f.type)).join(', ')})`);
  if (!backends.length) {
    if (parentService) {
      base.notes.push('the rule has no backendRefs: requests go to the parent Service');
      const d = resolveDestination(ctx, { host: parentService.fqdn, port: env.http.port, weight: 1 });
      return { ...base, outcome: 'routed', matched, actions, destinations: [d] };
    }
    return { ...base, outcome: 'error', status: 500, matched, actions, destinations: [], notes: [...base.notes, 'the rule has no backendRefs: the gateway answers 500'] };
  }
  const destinations = backends.map((b) => resolveDestination(ctx, backendInput(env, b, parentService)));
  return { ...base, outcome: 'routed', matched, actions, destinations };
}

/** A resource that decides as a whole (no rules): a TrafficSplit, or a ServiceProfile's dstOverrides. */
function wholeResourceMatch(engine: Engine, res: Resource, summary: string): MatchedRule {
  return { engine, resource: refOf(res), rule: null, summary, loc: locOf(res) };
}

function splitSummary(targets: Array<{ host: string; weight: number }>): string {
  const pct = percentages(targets.map((t) => t.weight));
  return targets.map((t, i) => `${pct[i]}% ${t.host.replace(/\.svc\.cluster\.local$/, '')}`).join(' / ') || 'no backends';
}

/** Linkerd outbound: ServiceProfile (routes, dstOverrides) wins over HTTPRoutes; then HTTPRoutes; then SMI TrafficSplit. */
function runLinkerdOutbound(env: Env, target: HostTarget, entry: EntryPoint): Partial | undefined {
  const { index } = env;
  const svc = target.service;
  const sp = serviceProfileFor(index, target.fqdn, env.src.namespace, svc?.res.namespace);
  const gamma = svc ? serviceRoutes(index, svc, env.http.port, env.src.namespace) : { routes: [], consumer: false };
  const ts = svc ? trafficSplitFor(index, svc) : undefined;
  if (sp) {
    const m = matchServiceProfile(sp, env.http);
    const actions = m.hit ? spActions(m.hit) : {};
    const notes = [...env.notes];
    if (!m.hit && sp) notes.push(`no route of ServiceProfile ${nsName(sp)} matches: the default route (no per-route timeout or retries)`);
    if (gamma.routes.length) notes.push(`ServiceProfile ${nsName(sp)} takes precedence: HTTPRoutes ${gamma.routes.map(nsName).join(', ')} are ignored`);
    const ctx = destContext(env, actions);
    const overrides = dstOverrides(index, sp);
    const targets = overrides.length ? overrides : ts ? splitBackends(ts) : [];
    if (!overrides.length && ts) notes.push(`split by TrafficSplit ${nsName(ts)}`);
    const destinations = targets.length
      ? targets.map((t) => resolveDestination(ctx, { host: t.host, port: t.port, weight: t.weight, loc: locOf(t.res, t.path) }))
      : [resolveDestination(ctx, { host: target.fqdn, port: env.http.port })];
    // The route that matched decides timeouts and retries; without one, what decides the destinations is the match.
    const matched = m.hit ? matchedSpRoute(m.hit) : overrides.length ? wholeResourceMatch('service-profile', sp, `dstOverrides ${splitSummary(overrides)}`) : ts ? wholeResourceMatch('smi', ts, splitSummary(targets)) : null;
    return { entry, engine: 'service-profile', outcome: 'routed', matched, skipped: m.skipped, actions, destinations, notes, resolvedHost: target.fqdn };
  }
  if (gamma.routes.length) return runGwApi(env, gamma.routes, entry, target);
  if (ts) {
    const ctx = destContext(env, {});
    const targets = splitBackends(ts);
    const destinations = targets.map((t) => resolveDestination(ctx, { host: t.host, weight: t.weight, loc: locOf(t.res, t.path) }));
    return { entry, engine: 'smi', outcome: 'routed', matched: wholeResourceMatch('smi', ts, splitSummary(targets)), skipped: [], actions: {}, destinations, notes: [...env.notes, `split by TrafficSplit ${nsName(ts)}`], resolvedHost: target.fqdn };
  }
  return undefined;
}

function simulateMesh(index: WorkspaceIndex, req: SimulationResult['request'], http: HttpRequest): Partial {
  const notes: string[] = [];
  const { src, w } = meshSource(index, req);
  const target = resolveHost(index, req.host, req.sourceNamespace ?? src.namespace);
  const svc = target.service;
  let port = http.port;
  if (port === undefined) {
    const ports = svc?.ports.length
      ? svc.ports.map((p) => ({ port: p.port, name: p.name, protocol: p.appProtocol }))
      : (target.entries[0]?.ports ?? []).map((p) => ({ port: Number(p.number), name: str(p.name), protocol: str(p.protocol) })).filter((p) => Number.isInteger(p.port) && p.port > 0);
    const pick = defaultPort(ports, http.scheme);
    if (pick) {
      port = pick.port;
      if (pick.note) notes.push(`no port given and ${svc ? `Service ${nsName(svc.res)}` : `ServiceEntry ${nsName(target.entries[0].res)}`} has no port ${http.scheme === 'https' ? 443 : 80}: using ${pick.note}`);
    }
  }
  const h: HttpRequest = { ...http, fqdn: target.fqdn, port };
  const clientNs = src.namespace ?? namespaceOfFqdn(target.fqdn) ?? 'default';
  if (!src.namespace) notes.push(`no source namespace given: the caller is assumed to be in ${clientNs}`);
  const clientMesh = w ? meshOfWorkload(index, w) : meshOfHost(index, target);
  const entry: EntryPoint = { kind: 'mesh', name: 'mesh' };
  // The assumed caller namespace serves DestinationRule and exportTo lookups only, never authorization.
  const env: Env = { index, req, http: h, src, clientNs, clientLabels: src.labels, useDR: clientMesh === 'istio', notes };
  const result = meshEngines(env, target, entry, clientMesh);
  result.resolvedPort = port;
  result.scheme = h.scheme;
  return result;
}

/** Port name prefixes (Istio protocol selection) and appProtocols that carry a scheme. */
function portCarries(p: { name?: string; protocol?: string }, scheme: string): boolean {
  const names = scheme === 'https' ? ['https', 'tls'] : ['http', 'http2', 'grpc', 'grpc-web'];
  const proto = p.protocol?.toLowerCase();
  const name = p.name?.toLowerCase() ?? '';
  return (proto !== undefined && (names.includes(proto) || (scheme === 'http' && proto.startsWith('kubernetes.io/h2c')))) || names.some((n) => name === n || name.startsWith(`${n}-`));
}

/**
 * The port a request without one goes to: the scheme's default port (80 for http, 443 for https) when the host
 * has it, else its only port, else the first port named or declared for the scheme, else the first port.
 */
export function defaultPort(ports: Array<{ port: number; name?: string; protocol?: string }>, scheme: string): { port: number; note?: string } | undefined {
  if (!ports.length) return undefined;
  const dflt = scheme === 'https' ? 443 : 80;
  if (ports.some((p) => p.port === dflt)) return { port: dflt };
  if (ports.length === 1) return { port: ports[0].port };
  const named = ports.find((p) => portCarries(p, scheme));
  if (named) return { port: named.port, note: `port ${named.port} (${named.name ?? named.protocol}), its first ${scheme} port` };
  return { port: ports[0].port, note: `its first port, ${ports[0].port}` };
}

function meshEngines(env: Env, target: HostTarget, entry: EntryPoint, clientMesh: Mesh): Partial {
  const { index, notes, clientNs } = env;
  const svc = target.service;
  const port = env.http.port;
  const src = env.src;
  if (clientMesh === 'linkerd') {
    const r = runLinkerdOutbound(env, target, entry);
    if (r) return r;
    return passthrough(env, target, entry, 'linkerd', [], 'no ServiceProfile, HTTPRoute or TrafficSplit for the host: Linkerd balances over the Service endpoints');
  }
  if (clientMesh === 'none') return passthrough(env, target, entry, 'kubernetes', [], 'no mesh serves this host: kube-proxy balances over the Service endpoints');
  // Istio sidecar.
  if (svc) {
    const gamma = serviceRoutes(index, svc, port, src.namespace);
    if (gamma.routes.length) {
      const vs = selectVirtualServices(index, target.fqdn, 'mesh', clientNs);
      if (vs.chosen.length) notes.push(`VirtualService ${nsName(vs.chosen[0])} also routes this host; the ${gamma.routes[0].kind} attached to the Service is used (assumed precedence)`);
      return runGwApi(env, gamma.routes, entry, target);
    }
    if (trafficSplitFor(index, svc)) notes.push('a TrafficSplit targets this Service, but Istio does not read SMI resources');
  }
  const sel = selectVirtualServices(index, target.fqdn, 'mesh', clientNs);
  for (const s of sel.shadowed) notes.push(`VirtualService ${nsName(s)} also defines host ${sel.host} but is ignored: sidecars use only the first (oldest) VirtualService for a host`);
  if (!sel.chosen.length) return passthrough(env, target, entry, 'istio', [], 'no VirtualService for the host: the sidecar balances over the Service endpoints');
  const hasHttp = sel.chosen.some((v) => objs(v.spec.http).length);
  const proto = hasHttp ? 'http' : sel.chosen.some((v) => objs(v.spec.tls).length) ? 'tls' : sel.chosen.some((v) => objs(v.spec.tcp).length) ? 'tcp' : 'http';
  if (!hasHttp && proto === 'http') return passthrough(env, target, entry, 'istio', [], `VirtualService ${nsName(sel.chosen[0])} has no rules`);
  return runIstio(env, sel.chosen, 'mesh', entry, proto);
}

function isSecure(s: ServerView): boolean {
  return s.protocol === 'HTTPS' || s.protocol === 'TLS' || !!s.tlsMode;
}

/**
 * The server of a Gateway that takes the request. With a port: the server on it. Without one, the scheme decides
 * (http when not given): its default port (80 / 443), else the first server of that kind (plain / TLS), else the first.
 */
function chooseServer(servers: ServerView[], http: HttpRequest): { server?: ServerView; note?: string } {
  const cands = servers.filter((s) => s.hosts.some((h) => hostMatches(h.host.toLowerCase(), http.host)));
  if (http.port !== undefined) return { server: cands.find((s) => s.port === http.port) };
  const https = http.scheme === 'https';
  const dflt = https ? 443 : 80;
  const fits = (s: ServerView): boolean => isSecure(s) === https;
  const onDefault = cands.find((s) => s.port === dflt && fits(s)) ?? cands.find((s) => s.port === dflt);
  if (onDefault) return { server: onDefault };
  const same = cands.find(fits);
  const server = same ?? cands[0];
  if (!server) return {};
  return { server, note: `no port given and no server on port ${dflt} for host ${http.host}: using the ${server.protocol} server on port ${server.port}${server.name ? ` (${server.name})` : ''}${same ? '' : `, although it is not ${http.scheme}`}` };
}

function simulateIstioGateway(index: WorkspaceIndex, req: SimulationResult['request'], http: HttpRequest, gw: Resource): Partial {
  const notes: string[] = [];
  const gwKey = nsName(gw);
  const servers = gatewayServers(gw);
  const explicitPort = req.port !== undefined;
  const { server, note: serverNote } = chooseServer(servers, http);
  if (serverNote) notes.push(serverNote);
  const entry: EntryPoint = { kind: 'istio-gateway', name: gwKey, loc: locOf(gw) };
  const fqdn = configHost(http.host, gw.namespace);
  const empty = { engine: 'istio' as Engine, matched: null, skipped: [], actions: {}, destinations: [], resolvedHost: fqdn };
  if (!server) {
    return { ...empty, entry, outcome: 'not-found', notes: [`Gateway ${gwKey} has no server for host ${http.host}${explicitPort ? ` on port ${http.port}` : ''}`], scheme: http.scheme };
  }
  entry.listener = { name: server.name, port: server.port, protocol: server.protocol, hosts: server.hosts.map((h) => (h.ns ? `${h.ns}/${h.host}` : h.host)), tls: server.tlsMode };
  entry.loc = locOf(gw, ['spec', 'servers', server.index]);
  const scheme = http.schemeGiven ? http.scheme : isSecure(server) ? 'https' : 'http';
  if (server.httpsRedirect && (server.protocol === 'HTTP' || server.protocol === 'HTTP2')) {
    return { ...empty, entry, outcome: 'redirect', scheme, actions: { redirect: { status: 301, location: `https://${http.host}${http.path}` } }, notes: [...notes, `server ${server.name ?? server.port} of Gateway ${gwKey} sets tls.httpsRedirect`] };
  }
  const src = istioGatewaySource(index, gw, notes);
  const h: HttpRequest = { ...http, fqdn, scheme, port: server.port, sourceLabels: src.labels, sourceNamespace: src.namespace };
  const sel = selectVirtualServices(index, fqdn, gwKey, src.namespace ?? gw.namespace, { hosts: server.hosts, gwNs: gw.namespace });
  const env: Env = { index, req, http: h, src, clientNs: src.namespace ?? gw.namespace, clientLabels: src.labels, useDR: true, notes };
  let gatewayAuthorization: AuthzResult | undefined;
  const gwW = index.workloads().find((x) => Object.keys(stringMap(gw.spec.selector)).length > 0 && matchesSelector(stringMap(gw.spec.selector), x.labels));
  if (gwW && istioPoliciesFor(index, gwW.namespace, gwW).length) {
    const outer = meshSource(index, req).src;
    gatewayAuthorization = istioAuthorize(index, gwW.namespace, gwW, { host: http.host, method: http.method, path: http.path, headers: http.headers, port: server.port }, { ...outer, meshed: false }, false);
  }
  if (!sel.chosen.length) {
    return { ...empty, entry, outcome: 'not-found', scheme, notes: [...notes, `no VirtualService bound to Gateway ${gwKey} serves host ${http.host}: 404`], gatewayAuthorization };
  }
  const proto = server.protocol === 'TCP' || server.protocol === 'MONGO' ? 'tcp' : server.protocol === 'TLS' && server.tlsMode === 'PASSTHROUGH' ? 'tls' : 'http';
  const r = runIstio(env, sel.chosen, gwKey, entry, proto);
  r.gatewayAuthorization = gatewayAuthorization;
  r.scheme = scheme;
  return r;
}

/**
 * The listener that takes the request. The port first: the given one; without one, the scheme's (http when not
 * given) default port (80 / 443) when a listener of that protocol is on it, else the first listener of that
 * protocol with routes for the host (of the request's kind: HTTPRoute, or GRPCRoute for gRPC), else any. Then, on
 * that port, the listener with the most specific hostname.
 */
function chooseListener(index: WorkspaceIndex, gw: Resource, http: HttpRequest, explicitPort: boolean): { l?: ListenerView; routes: Resource[]; note?: string } {
  const ls = gatewayListeners(gw).filter((l) => ['HTTP', 'HTTPS'].includes(l.protocol) && (!l.hostname || gwHostMatch(l.hostname, http.host)) && (!explicitPort || l.port === http.port));
  const cands = ls.map((l) => ({ l, routes: routesForHost(gatewayRoutes(index, gw, l), l, http.host) }));
  if (!cands.length) return { routes: [] };
  let port: number;
  let note: string | undefined;
  if (explicitPort) port = http.port!;
  else {
    const https = http.scheme === 'https';
    const dflt = https ? 443 : 80;
    const kind = isGrpcRequest(http) ? 'GRPCRoute' : 'HTTPRoute';
    const fits = (x: (typeof cands)[number]): boolean => (x.l.protocol === 'HTTPS') === https;
    const pick =
      cands.find((x) => x.l.port === dflt && fits(x)) ??
      cands.find((x) => fits(x) && x.routes.some((r) => r.kind === kind)) ??
      cands.find((x) => fits(x) && x.routes.length > 0) ??
      cands.find(fits) ??
      cands.find((x) => x.routes.length > 0) ??
      cands[0];
    port = pick.l.port;
    if (port !== dflt) note = `no port given and no ${https ? 'HTTPS' : 'HTTP'} listener on port ${dflt} for host ${http.host}: using listener ${pick.l.name} (${pick.l.protocol} ${pick.l.port})${fits(pick) ? '' : `, although it is not ${http.scheme}`}`;
  }
  // On one port, the listener with the most specific hostname takes the request.
  const top = cands.filter((x) => x.l.port === port).sort((a, b) => spec(b.l, http.host) - spec(a.l, http.host))[0];
  if (!top) return { routes: [] };
  return { l: top.l, routes: top.routes, note };
}

function gwHostMatch(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  return p === host || (p.startsWith('*.') && host.endsWith(p.slice(1)));
}

function spec(l: ListenerView, host: string): number {
  if (!l.hostname) return 0;
  return l.hostname.toLowerCase() === host ? 100000 + l.hostname.length : l.hostname.length;
}

function simulateGatewayApi(index: WorkspaceIndex, req: SimulationResult['request'], http: HttpRequest, gw: Resource): Partial {
  const notes: string[] = [];
  const gwKey = nsName(gw);
  const entry: EntryPoint = { kind: 'gateway-api', name: gwKey, loc: locOf(gw) };
  const { l, routes, note } = chooseListener(index, gw, http, req.port !== undefined);
  const empty = { engine: 'gateway-api' as Engine, matched: null, skipped: [], actions: {}, destinations: [], resolvedHost: http.host };
  if (!l) return { ...empty, entry, outcome: 'not-found', scheme: http.scheme, notes: [`Gateway ${gwKey} has no HTTP listener for host ${http.host}${req.port !== undefined ? ` on port ${req.port}` : ''}`] };
  if (note) notes.push(note);
  entry.listener = { name: l.name, port: l.port, protocol: l.protocol, hosts: l.hostname ? [l.hostname] : ['*'], tls: l.tlsMode };
  entry.loc = locOf(gw, ['spec', 'listeners', l.index]);
  const src = gwApiSource(index, gw, notes);
  const h: HttpRequest = { ...http, port: l.port, scheme: http.schemeGiven ? http.scheme : l.protocol === 'HTTPS' ? 'https' : 'http' };
  const env: Env = { index, req, http: h, src, clientNs: gw.namespace, clientLabels: src.labels, useDR: true, notes };
  let gatewayAuthorization: AuthzResult | undefined;
  const gwLabels = src.labels ?? {};
  const gwRef = { namespace: gw.namespace, name: gw.name };
  const pseudo = { namespace: gw.namespace, labels: gwLabels } as unknown as Workload;
  if (istioPoliciesFor(index, gw.namespace, pseudo, gwRef).length) {
    const outer = meshSource(index, req).src;
    gatewayAuthorization = istioAuthorize(index, gw.namespace, pseudo, { host: http.host, method: http.method, path: http.path, headers: http.headers, port: l.port }, { ...outer, meshed: false }, false, gwRef);
  }
  if (!routes.length) {
    const attached = [...index.of('gateway.networking.k8s.io/HTTPRoute')].filter((r) => attachesTo(index, r, gw, l).ok);
    return { ...empty, entry, outcome: 'not-found', scheme: h.scheme, gatewayAuthorization, notes: [...notes, attached.length ? `no route attached to listener ${l.name} serves host ${http.host}: 404` : `no route is attached to listener ${l.name}: 404`] };
  }
  const r = runGwApi(env, routes, entry);
  r.gatewayAuthorization = gatewayAuthorization;
  r.scheme = h.scheme;
  return r;
}

// ---------------------------------------------------------------------------------------------------------------
// Entry point selection

function findGateway(index: WorkspaceIndex, ref: string, preferNs: string | undefined): { istio?: Resource; gwapi?: Resource } {
  const k = ref.indexOf('/');
  const byName = (gk: string): Resource | undefined => {
    if (k >= 0) return index.find(gk, ref.slice(0, k), ref.slice(k + 1));
    const all = index.of(gk).filter((g) => g.name === ref);
    return all.find((g) => g.namespace === preferNs) ?? all[0];
  };
  return { istio: byName(GW_GK), gwapi: byName(GWAPI_GATEWAY_GK) };
}

/** Gateways that serve the host, those with a route for it first. */
function gatewaysForHost(index: WorkspaceIndex, http: HttpRequest): Array<{ istio?: Resource; gwapi?: Resource; routed: boolean }> {
  const out: Array<{ istio?: Resource; gwapi?: Resource; routed: boolean }> = [];
  for (const gw of index.of(GW_GK)) {
    const servers = gatewayServers(gw).filter((s) => s.hosts.some((h) => h.host !== '*' && hostMatches(h.host.toLowerCase(), http.host)) && (http.port === undefined || s.port === http.port));
    if (!servers.length) continue;
    const routed = servers.some((s) => selectVirtualServices(index, http.host, nsName(gw), gw.namespace, { hosts: s.hosts, gwNs: gw.namespace }).chosen.length > 0);
    out.push({ istio: gw, routed });
  }
  for (const gw of index.of(GWAPI_GATEWAY_GK)) {
    const ls = gatewayListeners(gw).filter((l) => (http.port === undefined || l.port === http.port) && (!l.hostname || gwHostMatch(l.hostname, http.host)));
    const routed = ls.some((l) => routesForHost(gatewayRoutes(index, gw, l), l, http.host).some((r) => (r.spec.hostnames as unknown[] | undefined)?.length || l.hostname));
    const named = ls.some((l) => l.hostname && gwHostMatch(l.hostname, http.host));
    if (routed || named) out.push({ gwapi: gw, routed });
  }
  return out.sort((a, b) => Number(b.routed) - Number(a.routed));
}

/**
 * Simulates one request: the entry point (mesh or a gateway), the rule that matches and why earlier ones did not,
 * the destinations with their shares, the actions on the way, mTLS on the hop and the authorization decision.
 */
export function simulate(index: WorkspaceIndex, request: SimRequest): SimulationResult {
  const { req, http } = normalize(request);
  const g = req.gateway?.trim();
  if (g && g !== 'mesh') {
    const found = findGateway(index, g, req.sourceNamespace);
    if (found.istio) {
      const p = simulateIstioGateway(index, req, http, found.istio);
      if (found.gwapi) p.notes.push(`both an Istio Gateway and a Gateway API Gateway are named ${g}: the Istio one is used`);
      return finish(req, p);
    }
    if (found.gwapi) return finish(req, simulateGatewayApi(index, req, http, found.gwapi));
    return finish(req, {
      entry: { kind: 'istio-gateway', name: g },
      engine: 'istio',
      outcome: 'not-found',
      matched: null,
      skipped: [],
      actions: {},
      destinations: [],
      notes: [`gateway ${g} not found in the workspace`],
      resolvedHost: http.host,
    });
  }
  if (!g) {
    const target = resolveHost(index, req.host, req.sourceNamespace);
    const meshKnown = target.service !== undefined || target.entries.length > 0 || selectVirtualServices(index, target.fqdn, 'mesh', req.sourceNamespace ?? namespaceOfFqdn(target.fqdn) ?? 'default').chosen.length > 0;
    if (!meshKnown) {
      const gws = gatewaysForHost(index, http);
      if (gws.length) {
        const pick = gws[0];
        const p = pick.istio ? simulateIstioGateway(index, req, http, pick.istio) : simulateGatewayApi(index, req, http, pick.gwapi!);
        p.notes.unshift(`no gateway given: ${pick.istio ? 'Istio Gateway' : 'Gateway'} ${nsName((pick.istio ?? pick.gwapi)!)} serves host ${http.host}${gws.length > 1 ? ` (also: ${gws.slice(1).map((x) => nsName((x.istio ?? x.gwapi)!)).join(', ')})` : ''}`);
        return finish(req, p);
      }
    }
  }
  return finish(req, simulateMesh(index, req, http));
}

export type { SimRequest, SimulationResult };
