import { get, hostMatches, isObj, matchesSelector, num, obj, objs, str, stringMap, strings, WorkspaceIndex, type Obj, type Resource, type Workload } from '../workspace';
import { configHost, meshOfNamespace, meshOfWorkload, namespaceOfFqdn, serviceWorkloads, targetPort, type Mesh } from './hosts';
import { istioAuthorize, istioMtls, linkerdAuthorize, linkerdMtls, linkerdServersFor, noMtls, type AuthzRequest, type SourceIdentity } from './security';
import type { AuthzResult, MtlsInfo, SimDestination, SourceLoc, TrafficPolicySummary, WorkloadRef } from './types';
import { hostSpecificity, locOf, nsName, refOf, ROOT_NAMESPACE } from './util';

export const DR_GK = 'networking.istio.io/DestinationRule';

/**
 * The DestinationRules that apply to a host for a caller, as Istio looks them up: the caller's namespace first,
 * then the host's namespace, then the root namespace; the most specific host wins; rules for the very same host in
 * one namespace are merged (first one's top-level policy, subsets appended).
 */
export function destinationRulesFor(index: WorkspaceIndex, fqdn: string, clientNs: string, clientLabels?: Record<string, string>): Resource[] {
  const svcNs = namespaceOfFqdn(fqdn);
  const order = [clientNs, svcNs, ROOT_NAMESPACE].filter((n, i, a): n is string => !!n && a.indexOf(n) === i);
  const all = index.of(DR_GK);
  for (const ns of order) {
    const cands: Array<{ dr: Resource; pattern: string; score: number }> = [];
    for (const dr of all) {
      if (dr.namespace !== ns) continue;
      const h = str(dr.spec.host);
      if (!h) continue;
      const q = configHost(h.toLowerCase(), dr.namespace);
      if (!(q === fqdn || hostMatches(q, fqdn))) continue;
      if (!WorkspaceIndex.visible(strings(dr.spec.exportTo), dr.namespace, clientNs)) continue;
      if (isObj(dr.spec.workloadSelector)) {
        if (ns !== clientNs || !clientLabels || !matchesSelector(stringMap(obj(dr.spec.workloadSelector).matchLabels), clientLabels)) continue;
      }
      cands.push({ dr, pattern: q, score: hostSpecificity(q, fqdn) });
    }
    if (cands.length) {
      const top = Math.max(...cands.map((c) => c.score));
      const pattern = cands.find((c) => c.score === top)!.pattern;
      return cands.filter((c) => c.pattern === pattern).map((c) => c.dr);
    }
  }
  return [];
}

export interface SubsetView {
  dr: Resource;
  index: number;
  name: string;
  labels: Record<string, string>;
  trafficPolicy: Obj;
}

export function subsetsOf(drs: Resource[]): SubsetView[] {
  const out: SubsetView[] = [];
  for (const dr of drs) {
    objs(dr.spec.subsets).forEach((s, i) => {
      const name = str(s.name);
      if (name && !out.some((o) => o.name === name)) out.push({ dr, index: i, name, labels: stringMap(s.labels), trafficPolicy: obj(s.trafficPolicy) });
    });
  }
  return out;
}

const POLICY_FIELDS = ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls'] as const;

function applyPolicy(out: TrafficPolicySummary, tp: Obj, port: number | undefined): void {
  for (const f of POLICY_FIELDS) if (tp[f] !== undefined) out[f] = tp[f];
  if (port !== undefined) {
    const pl = objs(tp.portLevelSettings).find((p) => num(get(p, 'port', 'number')) === port);
    if (pl) for (const f of POLICY_FIELDS) if (pl[f] !== undefined) out[f] = pl[f];
  }
}

/** Top-level, then port-level, then subset, then subset port-level (each field replaces the one before). */
export function effectiveTrafficPolicy(drs: Resource[], subset: SubsetView | undefined, port: number | undefined): TrafficPolicySummary {
  const out: TrafficPolicySummary = {};
  const top = drs.find((d) => isObj(d.spec.trafficPolicy));
  if (top) applyPolicy(out, obj(top.spec.trafficPolicy), port);
  if (subset) applyPolicy(out, subset.trafficPolicy, port);
  return out;
}

/** Context for resolving route destinations. */
export interface DestContext {
  index: WorkspaceIndex;
  src: SourceIdentity;
  /** Namespace of the proxy that routes (caller sidecar or gateway), for DestinationRule lookup. */
  clientNs: string;
  clientLabels?: Record<string, string>;
  /** Apply DestinationRules (Istio proxies). */
  useDR: boolean;
  /** The request as the destination sees it (after rewrites). */
  authz: Omit<AuthzRequest, 'port'>;
  /** The request port, when the destination names none. */
  requestPort?: number;
  /** Linkerd inbound route selection for a Server. */
  inbound: (server: Resource, w: Workload) => { route?: Resource; noRoute?: boolean };
}

export interface DestInput {
  host: string;
  subset?: string;
  port?: number;
  weight?: number;
  loc?: SourceLoc;
  /** Marks a backend that the route layer already knows is invalid (Gateway API: 500 for its share). */
  invalid?: string;
}

function workloadRef(w: Workload): WorkloadRef {
  return { ref: refOf(w.res), serviceAccount: w.serviceAccount, labels: w.labels, loc: locOf(w.res) };
}

/** Resolves one destination: the Service or ServiceEntry, DestinationRule subset and policy, workloads, mTLS and authorization. */
export function resolveDestination(ctx: DestContext, d: DestInput): SimDestination {
  const { index } = ctx;
  const fqdn = d.host;
  const found = index.lookupHost(fqdn, ctx.clientNs);
  const svc = found.service;
  const problems: string[] = [];
  let port = d.port;
  if (port === undefined) {
    if (svc && svc.ports.length === 1) port = svc.ports[0].port;
    else port = ctx.requestPort ?? (svc?.ports[0]?.port || undefined) ?? num(get(found.entries[0]?.ports[0], 'number'));
  }
  const target: SimDestination['target'] = svc ? 'service' : found.entries.length ? 'serviceentry' : 'unknown';
  if (target === 'unknown') problems.push(`host ${fqdn} is not a Service or ServiceEntry in the workspace`);

  let drs: Resource[] = [];
  let subset: SubsetView | undefined;
  let broken = !!d.invalid;
  let brokenWhy = d.invalid;
  if (svc && port !== undefined && svc.ports.length && !svc.ports.some((p) => p.port === port)) {
    problems.push(`Service ${nsName(svc.res)} has no port ${port}`);
    broken = true;
    brokenWhy ??= problems[problems.length - 1];
  }
  if (d.invalid) problems.push(d.invalid);
  if (ctx.useDR) drs = destinationRulesFor(index, fqdn, ctx.clientNs, ctx.clientLabels);
  if (d.subset !== undefined) {
    subset = subsetsOf(drs).find((s) => s.name === d.subset);
    if (!subset) {
      broken = true;
      problems.push(drs.length ? `subset ${d.subset} is not defined in DestinationRule ${drs.map(nsName).join(', ')}` : `subset ${d.subset}: no DestinationRule for ${fqdn}`);
      brokenWhy ??= problems[problems.length - 1];
    }
  }
  const trafficPolicy = drs.length ? effectiveTrafficPolicy(drs, subset, port) : undefined;
  const tls = obj(trafficPolicy?.tls);

  let workloads: Workload[] = [];
  if (svc) {
    workloads = serviceWorkloads(index, svc, subset?.labels ?? {});
    if (!Object.keys(svc.selector).length) problems.push(`Service ${nsName(svc.res)} has no selector`);
    else if (!workloads.length && index.hasWorkloads()) problems.push(subset ? `subset ${subset.name} (${Object.entries(subset.labels).map(([k, v]) => `${k}=${v}`).join(',')}) selects no workload of ${nsName(svc.res)}` : `no workload in the workspace matches Service ${nsName(svc.res)}`);
  } else if (found.entries.length) {
    for (const e of found.entries) {
      const sel = stringMap(get(e.res.spec, 'workloadSelector', 'labels'));
      if (Object.keys(sel).length) workloads.push(...index.workloadsMatching(e.res.namespace, { ...sel, ...(subset?.labels ?? {}) }));
    }
  }

  // Security on the hop.
  let mtls: MtlsInfo;
  let authorization: AuthzResult;
  const destNs = svc?.res.namespace ?? found.entries[0]?.res.namespace ?? namespaceOfFqdn(fqdn) ?? 'default';
  const internal = svc !== undefined || workloads.length > 0;
  if (!internal) {
    const mode = str(tls.mode);
    mtls = noMtls(target === 'unknown' ? 'host unknown in the workspace' : 'external ServiceEntry: no sidecar on the other side');
    if (mode && mode !== 'DISABLE') mtls = { ...mtls, client: mode, clientPolicy: drs[0] ? refOf(drs[0]) : undefined, effective: 'tls', reason: `${mtls.reason}; DestinationRule originates ${mode} TLS` };
    authorization = { decision: 'ALLOW', policy: null, reason: 'not a workload of the workspace: no mesh authorization applies', engine: 'none' };
  } else {
    const per: Array<{ mtls: MtlsInfo; authz: AuthzResult }> = [];
    for (const w of workloads.length ? workloads : [undefined]) {
      const mesh: Mesh = w ? meshOfWorkload(index, w) : meshOfNamespace(index, destNs);
      const tport = targetPort(svc, port, w);
      const req: AuthzRequest = { ...ctx.authz, port: tport };
      if (mesh === 'istio') {
        const m = istioMtls(index, destNs, w, tport, { mode: str(tls.mode), dr: str(tls.mode) ? drs[0] : undefined }, ctx.src.meshed);
        per.push({ mtls: m, authz: istioAuthorize(index, destNs, w, req, ctx.src, m.effective === 'mtls') });
      } else if (mesh === 'linkerd') {
        const m = linkerdMtls(ctx.src.meshed);
        if (!w) {
          per.push({ mtls: m, authz: { decision: 'ALLOW', policy: null, reason: 'no workload in the workspace: Linkerd policy not evaluated', engine: 'linkerd' } });
          continue;
        }
        const server = linkerdServersFor(index, w, tport)[0];
        const inbound = server ? ctx.inbound(server, w) : {};
        per.push({ mtls: m, authz: linkerdAuthorize({ index, w, port: tport, src: ctx.src, route: inbound.route, noRoute: inbound.noRoute }, server) });
      } else {
        per.push({ mtls: noMtls('destination not in a mesh'), authz: { decision: 'ALLOW', policy: null, reason: 'destination not in a mesh: no authorization policy', engine: 'none' } });
      }
    }
    const pick = per.find((p) => p.authz.decision === 'DENY') ?? per.find((p) => p.mtls.effective === 'fails') ?? per[0];
    mtls = pick.mtls;
    authorization = pick.authz;
    if (!workloads.length) authorization = { ...authorization, reason: `${authorization.reason} (no workload found: only namespace- and mesh-wide policies considered)` };
  }
  let status = 200;
  if (broken) status = d.invalid ? 500 : 503;
  else if (mtls.effective === 'fails') status = 503;
  else if (authorization.decision === 'DENY') status = authorization.status ?? 403;
  if (broken || mtls.effective === 'fails') {
    // The proxy fails the request before any workload (and its authorization policy) sees it.
    const why = broken ? (brokenWhy ?? 'broken destination') : `the connection fails (client ${mtls.client}, server ${mtls.mode}: see mTLS)`;
    authorization = { decision: 'NOT_EVALUATED', policy: null, reason: `no request reaches a workload: ${why}`, engine: authorization.engine };
  }
  return {
    host: fqdn,
    subset: d.subset ?? null,
    port: port ?? null,
    percent: 0,
    weight: d.weight,
    target,
    service: svc ? refOf(svc.res) : found.entries[0] ? refOf(found.entries[0].res) : undefined,
    subsetLabels: subset?.labels,
    destinationRule: drs[0] ? refOf(subset?.dr ?? drs[0]) : undefined,
    trafficPolicy: trafficPolicy && Object.keys(trafficPolicy).length ? trafficPolicy : undefined,
    workloads: workloads.map(workloadRef),
    mtls,
    authorization,
    status,
    problems,
    loc: d.loc,
  };
}
