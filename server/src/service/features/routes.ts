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

/** Simulates a request and names the nodes and edges of the graph on its path. */
export function simulateFor(index: WorkspaceIndex, request: SimRequest, query: RouteQuery): SimulateResponse {
  const result = simulate(index, request);
  const graph = buildRouteGraph(index, query.host || query.namespace ? query : { host: request.host });
  const locs = locsOf(result);
  const exact = (src: SourceLoc | undefined, strict: boolean): boolean =>
    !!src && locs.some((l) => (strict ? samePlace(l, src) && l.path.length === src.path.length : samePlace(l, src) && src.path.length >= Math.min(2, l.path.length)));
  const highlight = new Set<string>();
  for (const n of graph.nodes) if (exact(n.source, n.kind === 'rule')) highlight.add(n.id);
  for (const e of graph.edges) if (highlight.has(e.from) && highlight.has(e.to)) highlight.add(e.id);
  return { result, highlight: [...highlight] };
}

