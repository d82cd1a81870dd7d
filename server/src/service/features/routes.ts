import type { RouteGraphResponse, SimulateResponse, SourceRange } from '../../protocol';
import { findingRange } from '../rules/locate';
import { buildRouteGraph, simulate } from '../routing';
import type { RouteQuery, SimRequest, SimulationResult, SourceLoc } from '../routing/types';
import { objs, str, strings, type Resource, type WorkspaceIndex } from '../workspace';

/** What a resource's routing is about: the host it routes for, else its namespace. */
export function routeQueryFor(res: Resource | undefined): RouteQuery {
  if (!res) return {};
  const spec = res.spec;
  let host: string | undefined;
  switch (res.gk) {
    case 'networking.istio.io/VirtualService':
    case 'networking.istio.io/ServiceEntry':
      host = strings(spec.hosts).find((h) => h !== '*');
      break;
    case 'networking.istio.io/DestinationRule':
      host = str(spec.host);
      break;
    case 'gateway.networking.k8s.io/HTTPRoute':
    case 'gateway.networking.k8s.io/GRPCRoute':
    case 'policy.linkerd.io/HTTPRoute': {
      host = strings(spec.hostnames).find((h) => !h.startsWith('*'));
      if (!host) {
        const svcParent = objs(spec.parentRefs).find((p) => str(p.kind) === 'Service');
        if (svcParent) host = str(svcParent.name);
      }
      break;
    }
    case 'split.smi-spec.io/TrafficSplit':
      host = str(spec.service);
      break;
    case '/Service':
      host = res.name;
      break;
    default:
      break;
  }
  if (host && !host.includes('.') && res.namespace) host = `${host}.${res.namespace}.svc.cluster.local`;
  return host ? { host } : { namespace: res.namespace || undefined };
}

function resourceOfLoc(index: WorkspaceIndex, loc: SourceLoc): Resource | undefined {
  return index.resources.find((r) => r.uri === loc.uri && r.startLine === loc.startLine);
}

function toRange(index: WorkspaceIndex, loc: SourceLoc | undefined): SourceRange | undefined {
  if (!loc) return undefined;
  const res = resourceOfLoc(index, loc);
  if (!res) return undefined;
  return { uri: res.uri, range: findingRange(res, loc.path, loc.path.length ? 'key' : undefined) };
}

/** The route graph for a query, with the source range of every node and edge. */
export function routeGraphFor(index: WorkspaceIndex, query: RouteQuery, title?: string): RouteGraphResponse {
  const graph = buildRouteGraph(index, query);
  const locations: Record<string, SourceRange> = {};
  for (const n of graph.nodes) {
    const r = toRange(index, n.source);
    if (r) locations[n.id] = r;
  }
  for (const e of graph.edges) {
    const r = toRange(index, e.source);
    if (r) locations[e.id] = r;
  }
  const about = query.host ?? (query.namespace ? `namespace ${query.namespace}` : 'the workspace');
  return { title: title ?? `Routing: ${about}`, host: query.host, graph, locations };
}

function samePlace(a: SourceLoc, b: SourceLoc): boolean {
  if (a.uri !== b.uri || a.startLine !== b.startLine) return false;
  const n = Math.min(a.path.length, b.path.length);
  for (let i = 0; i < n; i++) if (a.path[i] !== b.path[i]) return false;
  return true;
}

function locsOf(result: SimulationResult): SourceLoc[] {
  const out: SourceLoc[] = [];
  if (result.entry.loc) out.push(result.entry.loc);
  if (result.matched?.loc) out.push(result.matched.loc);
  if (result.matched?.delegatedFrom?.loc) out.push(result.matched.delegatedFrom.loc);
  for (const d of result.destinations) {
    if (d.loc) out.push(d.loc);
    for (const w of d.workloads) out.push(w.loc);
  }
  return out;
}

/**
 * Simulates a request and names the nodes and edges of the graph on its path: the entry point and route resource
 * leading to the matched rule, the rule, the backends it sends to, and their workloads.
 */
export function simulateFor(index: WorkspaceIndex, request: SimRequest, query: RouteQuery): SimulateResponse {
  const result = simulate(index, request);
  const graph = buildRouteGraph(index, query.host || query.namespace ? query : { host: request.host });
  const locs = locsOf(result);
  const matches = (src: SourceLoc | undefined, strict: boolean): boolean =>
    !!src && locs.some((l) => (strict ? samePlace(l, src) && l.path.length === src.path.length : samePlace(l, src) && src.path.length >= Math.min(2, l.path.length)));
  const kind = new Map(graph.nodes.map((n) => [n.id, n.kind]));
  const into = new Map<string, string[]>();
  const outOf = new Map<string, string[]>();
  for (const e of graph.edges) {
    (into.get(e.to) ?? into.set(e.to, []).get(e.to)!).push(e.from);
    (outOf.get(e.from) ?? outOf.set(e.from, []).get(e.from)!).push(e.to);
  }
  const seeds = graph.nodes.filter((n) => matches(n.source, n.kind === 'rule')).map((n) => n.id);
  const nodes = new Set<string>(seeds);
  const walk = (start: string[], next: Map<string, string[]>, allowed: (id: string) => boolean): void => {
    const todo = [...start];
    while (todo.length) {
      const id = todo.pop()!;
      for (const n of next.get(id) ?? []) {
        if (nodes.has(n) || !allowed(n)) continue;
        nodes.add(n);
        todo.push(n);
      }
    }
  };
  const rules = seeds.filter((id) => kind.get(id) === 'rule');
  // upstream of the matched rule: the route resource and the entry point, never other rules
  walk(rules.length ? rules : seeds, into, (id) => kind.get(id) === 'entry' || kind.get(id) === 'route');
  // downstream of the matched rule: its backends and their workloads (and responses)
  walk(rules, outOf, (id) => kind.get(id) === 'backend' || kind.get(id) === 'workload' || kind.get(id) === 'response');
  const highlight = new Set<string>(nodes);
  for (const e of graph.edges) if (nodes.has(e.from) && nodes.has(e.to)) highlight.add(e.id);
  return { result, highlight: [...highlight] };
}
