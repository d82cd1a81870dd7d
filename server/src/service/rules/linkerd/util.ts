import { compileRegex, RegexTooLongError } from '../../schema/cel-regex';
import { cidrContainsCIDR, parseCIDR, parseIP, type IPPrefix } from '../../schema/cel-net';
import { parseGoDuration } from '../../schema/cel-values';
import type { PathSeg } from '../../model';
import { isObj, matchesLabelSelector, objs, str, stringMap, type Obj, type Resource, type WorkspaceIndex, type Workload } from '../../workspace';

/** Helpers shared by the Linkerd rules: Linkerd's own reading of refs, selectors, CIDRs, durations. */

export const POLICY = 'policy.linkerd.io';
export const GATEWAY = 'gateway.networking.k8s.io';

export const GK = {
  server: `${POLICY}/Server`,
  serverAuthorization: `${POLICY}/ServerAuthorization`,
  authorizationPolicy: `${POLICY}/AuthorizationPolicy`,
  meshTls: `${POLICY}/MeshTLSAuthentication`,
  networkAuthn: `${POLICY}/NetworkAuthentication`,
  egressNetwork: `${POLICY}/EgressNetwork`,
  rateLimit: `${POLICY}/HTTPLocalRateLimitPolicy`,
  policyHttpRoute: `${POLICY}/HTTPRoute`,
  gatewayHttpRoute: `${GATEWAY}/HTTPRoute`,
  grpcRoute: `${GATEWAY}/GRPCRoute`,
  tlsRoute: `${GATEWAY}/TLSRoute`,
  tcpRoute: `${GATEWAY}/TCPRoute`,
  serviceProfile: 'linkerd.io/ServiceProfile',
  trafficSplit: 'split.smi-spec.io/TrafficSplit',
  externalWorkload: 'workload.linkerd.io/ExternalWorkload',
  service: '/Service',
  serviceAccount: '/ServiceAccount',
  namespace: '/Namespace',
} as const;

/** Kinds the workspace index reads as workloads (pod templates). */
export const WORKLOAD_KINDS = ['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'batch/Job', 'batch/CronJob', '/Pod', '/ReplicationController', 'argoproj.io/Rollout'];

/** Every route kind Linkerd's policy controller reads. */
export const ROUTE_KINDS = [GK.policyHttpRoute, GK.gatewayHttpRoute, GK.grpcRoute, GK.tlsRoute, GK.tcpRoute];

/** The group of a reference as Linkerd reads it: absent or empty means the core group. */
export function refGroup(group: unknown): string {
  const g = str(group);
  return !g || g.toLowerCase() === 'core' ? '' : g.toLowerCase();
}

/** Does a `{group, kind}` reference name this kind (Linkerd compares both case-insensitively)? */
export function refIs(ref: Obj, group: string, kind: string): boolean {
  return refGroup(ref.group) === group.toLowerCase() && (str(ref.kind) ?? '').toLowerCase() === kind.toLowerCase();
}

/** `Kind.group` as Linkerd prints a reference's kind. */
export function canonicalKind(ref: Obj): string {
  const g = str(ref.group);
  return g ? `${str(ref.kind) ?? ''}.${g}` : (str(ref.kind) ?? '');
}

/** The namespace of the index's workspace resources carrying Linkerd or Istio configuration. */
function meshes(index: WorkspaceIndex): { linkerd: boolean; istio: boolean; linkerdNs: Set<string> } {
  return index.memo('linkerd/meshes', () => {
    const m = { linkerd: false, istio: false, linkerdNs: new Set<string>() };
    for (const r of index.resources) {
      if (r.group === POLICY || r.group === 'linkerd.io' || r.group === 'split.smi-spec.io') m.linkerd = true;
      if (r.group.endsWith('istio.io')) m.istio = true;
      if (r.gk === GK.namespace && (r.annotations['linkerd.io/inject'] === 'enabled' || r.annotations['linkerd.io/inject'] === 'ingress')) m.linkerdNs.add(r.name);
    }
    return m;
  });
}

/**
 * Is a Gateway API route read by Linkerd? True for policy.linkerd.io routes, routes attached to a Linkerd
 * Server or EgressNetwork, routes in a namespace annotated for Linkerd injection, and mesh routes of a
 * workspace that configures Linkerd and not Istio.
 */
export function linkerdReadsRoute(index: WorkspaceIndex, res: Resource): boolean {
  if (res.group === POLICY) return true;
  if (objs(res.spec.parentRefs).some((p) => parentGroupKind(res, p).group === POLICY)) return true;
  const m = meshes(index);
  if (m.linkerdNs.has(res.namespace)) return true;
  return m.linkerd && !m.istio;
}

/**
 * Group and kind of a route's parentRef after CRD defaulting: a missing group is the route's own API group
 * (gateway.networking.k8s.io or policy.linkerd.io, not core!), a missing kind is Gateway.
 */
export function parentGroupKind(route: Resource, p: Obj): { group: string; kind: string } {
  const g = p.group === undefined ? route.group : refGroup(p.group);
  return { group: g.toLowerCase(), kind: str(p.kind) ?? 'Gateway' };
}

/** Is a parentRef a core Service (as the API server stores it)? */
export function parentIsService(route: Resource, p: Obj): boolean {
  const { group, kind } = parentGroupKind(route, p);
  return (group === '' || group === 'core') && kind.toLowerCase() === 'service';
}

export function parentIsEgressNetwork(route: Resource, p: Obj): boolean {
  const { group, kind } = parentGroupKind(route, p);
  return group === POLICY && kind.toLowerCase() === 'egressnetwork';
}

export function parentIsServer(route: Resource, p: Obj): boolean {
  const { group, kind } = parentGroupKind(route, p);
  return group === POLICY && kind.toLowerCase() === 'server';
}

/** Compiles an RE2 pattern (Go and Rust regex syntax agree on what it accepts); returns the error, if any. */
export function regexError(pattern: string): string | undefined {
  try {
    compileRegex(pattern);
    return undefined;
  } catch (e) {
    if (e instanceof RegexTooLongError) return undefined; // not checked: no finding either way
    const msg = e instanceof Error ? e.message : String(e);
    return msg.replace(/^invalid regex "(?:[^"\\]|\\.)*": /, '');
  }
}

/** Linkerd's annotation durations: an integer and one of ms, s, m, h, d ("0" alone is allowed). Milliseconds, or undefined. */
export function linkerdDurationMs(s: string): number | undefined {
  const t = s.trim();
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(t);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!m[2]) return n === 0 ? 0 : undefined;
  const mul = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return n * mul;
}

/** Go time.ParseDuration, in milliseconds (fractions kept), or undefined. */
export function goDurationMs(s: string): number | undefined {
  const ns = parseGoDuration(s);
  return ns === undefined ? undefined : Number(ns) / 1e6;
}

/** A Linkerd `Cidr`: a network (`10.0.0.0/8`, host bits allowed) or a single address. */
export function parseLinkerdCidr(raw: string): IPPrefix | string {
  if (raw.includes('/')) return parseCIDR(raw);
  const ip = parseIP(raw);
  if (typeof ip === 'string') return `"${raw}" is neither a CIDR nor an IP address`;
  return { addr: ip, bits: ip.family === 4 ? 32 : 128 };
}

export interface NetworkProblem {
  path: PathSeg[];
  message: string;
}

/** Linkerd's checks on a `networks` list (NetworkAuthentication, EgressNetwork, ServerAuthorization client.networks). */
export function networkProblems(networks: unknown, base: PathSeg[]): NetworkProblem[] {
  const out: NetworkProblem[] = [];
  objs(networks).forEach((net, i) => {
    const raw = str(net.cidr);
    if (raw === undefined) return;
    const cidr = parseLinkerdCidr(raw.trim());
    if (typeof cidr === 'string') {
      out.push({ path: [...base, i, 'cidr'], message: `"${raw}" is not a valid CIDR or IP address.` });
      return;
    }
    const excepts = Array.isArray(net.except) ? net.except : [];
    excepts.forEach((e, j) => {
      const rawE = str(e);
      if (rawE === undefined) return;
      const ex = parseLinkerdCidr(rawE.trim());
      if (typeof ex === 'string') {
        out.push({ path: [...base, i, 'except', j], message: `"${rawE}" is not a valid CIDR or IP address.` });
      } else if (cidrContainsCIDR(ex, cidr)) {
        out.push({ path: [...base, i, 'except', j], message: `The exception "${rawE}" covers the whole network "${raw}", so this network authorizes nothing.` });
      } else if (!cidrContainsCIDR(cidr, ex)) {
        out.push({ path: [...base, i, 'except', j], message: `The exception "${rawE}" is not inside the network "${raw}"; Linkerd rejects exceptions outside their network.` });
      }
    });
  });
  return out;
}

/** The label selector of a Server (podSelector or externalWorkloadSelector), and which one it is. */
export function serverSelector(server: Resource): { kind: 'pod' | 'external'; selector: Obj } | undefined {
  if (isObj(server.spec.podSelector)) return { kind: 'pod', selector: server.spec.podSelector };
  if (isObj(server.spec.externalWorkloadSelector)) return { kind: 'external', selector: server.spec.externalWorkloadSelector };
  return undefined;
}

/** Does a selector select everything (`{}`)? */
export function selectsAll(selector: Obj): boolean {
  return Object.keys(stringMap(selector.matchLabels)).length === 0 && objs(selector.matchExpressions).length === 0;
}

/** A canonical form of a selector, to compare two selectors for equality. */
export function selectorKey(selector: Obj): string {
  const labels = Object.entries(stringMap(selector.matchLabels)).sort(([a], [b]) => a.localeCompare(b));
  const exprs = objs(selector.matchExpressions)
    .map((e) => JSON.stringify([str(e.key), str(e.operator), [...(Array.isArray(e.values) ? e.values.map(String) : [])].sort()]))
    .sort();
  return JSON.stringify([labels, exprs]);
}

/** The pod workloads (or ExternalWorkloads) of the Server's namespace that its selector picks. */
export function serverWorkloads(index: WorkspaceIndex, server: Resource): Workload[] {
  const sel = serverSelector(server);
  if (!sel || sel.kind !== 'pod') return [];
  return index.workloads().filter((w) => w.namespace === server.namespace && matchesLabelSelector(sel.selector, w.labels));
}

/** A Server's `port`: a number or a port name. */
export function serverPort(server: Resource): number | string | undefined {
  const p = server.spec.port;
  if (typeof p === 'number') return p;
  if (typeof p === 'string') return p;
  return undefined;
}

/** The container port numbers a Server port picks on a workload (a number always, a name when declared). */
export function resolvePort(port: number | string, w: Workload): number[] {
  if (typeof port === 'number') return [port];
  return w.ports.filter((p) => p.name === port).map((p) => p.containerPort);
}

/** FQDN of a Service as a ServiceProfile names it. */
export function serviceFqdn(name: string, ns: string): string {
  return `${name}.${ns}.svc.cluster.local`;
}

/** Does a reference's name exist as a resource of one of these kinds in a namespace? */
export function exists(index: WorkspaceIndex, gks: string[], ns: string, name: string): boolean {
  return gks.some((gk) => index.find(gk, ns, name) !== undefined);
}

/** Names of resources of these kinds in a namespace (for "did you mean"). */
export function namesIn(index: WorkspaceIndex, gks: string[], ns: string): string[] {
  return gks.flatMap((gk) => index.of(gk).filter((r) => r.namespace === ns).map((r) => r.name));
}
