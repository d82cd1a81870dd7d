import type { PathSeg } from '../../model';
import { parseGoDuration } from '../../schema/cel-values';
import { isObj, objs, str, strings, type Obj, type Resource } from '../../workspace';

/** Helpers shared by the practice rules. */

export const VS = 'networking.istio.io/VirtualService';
export const DR = 'networking.istio.io/DestinationRule';
export const GW = 'networking.istio.io/Gateway';
export const SE = 'networking.istio.io/ServiceEntry';
export const PA = 'security.istio.io/PeerAuthentication';
export const AP = 'security.istio.io/AuthorizationPolicy';
export const RA = 'security.istio.io/RequestAuthentication';

export const ROUTE_SECTIONS = ['http', 'tcp', 'tls'] as const;

/** An Istio duration ("10s", "500ms", "1.5s", "1m") in milliseconds, or undefined. */
export function durationMs(v: unknown): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const ns = parseGoDuration(s.trim());
  return ns === undefined ? undefined : Number(ns) / 1e6;
}

/** A duration in milliseconds as Istio YAML writes it: whole seconds as "Ns", else "Nms". */
export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Glob match with `*` as the only wildcard (the productionNamespaces setting). */
export function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(s);
}

export interface RouteDest {
  section: (typeof ROUTE_SECTIONS)[number];
  /** Path of the route (spec.<section>[i]). */
  routePath: PathSeg[];
  route: Obj;
  /** Path of the destination mapping. */
  path: PathSeg[];
  host: string;
}

/** Every route destination of a VirtualService (http/tcp/tls route[].destination). */
export function routeDestinations(res: Resource): RouteDest[] {
  const out: RouteDest[] = [];
  for (const section of ROUTE_SECTIONS) {
    objs(res.spec[section]).forEach((route, i) => {
      objs(route.route).forEach((rd, j) => {
        const d = rd.destination;
        const host = isObj(d) ? str(d.host) : undefined;
        if (host) out.push({ section, routePath: ['spec', section, i], route, path: ['spec', section, i, 'route', j, 'destination'], host });
      });
    });
  }
  return out;
}

/** Is a VirtualService bound to the mesh (no gateways, or the reserved "mesh" gateway listed)? */
export function boundToMesh(res: Resource): boolean {
  const gws = strings(res.spec.gateways);
  return gws.length === 0 || gws.includes('mesh');
}
