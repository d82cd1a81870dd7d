import { isObj, objs, str, type KService, type Obj, type Resource, type WorkspaceIndex } from '../workspace';
import { configHost, requestFqdn } from './hosts';
import type { HttpRequest } from './istio';
import type { MatchedRule, SimActions, SkippedRule } from './types';
import { fullMatch, locOf, quantity, refOf, splitHostPort } from './util';

export const SP_GK = 'linkerd.io/ServiceProfile';
export const TS_GK = 'split.smi-spec.io/TrafficSplit';

/** The ServiceProfile for a host: the caller's namespace first (client-side), then the service's. */
export function serviceProfileFor(index: WorkspaceIndex, fqdn: string, clientNs: string | undefined, svcNs: string | undefined): Resource | undefined {
  const sps = index.of(SP_GK).filter((r) => r.name === fqdn);
  return (clientNs ? sps.find((r) => r.namespace === clientNs) : undefined) ?? sps.find((r) => r.namespace === svcNs) ?? undefined;
}

export function trafficSplitFor(index: WorkspaceIndex, svc: KService): Resource | undefined {
  return index.of(TS_GK).find((t) => t.namespace === svc.res.namespace && (str(t.spec.service) === svc.res.name || str(t.spec.service) === svc.fqdn));
}

function condOk(c: Obj, req: HttpRequest): { ok: boolean; why: string } {
  const method = str(c.method);
  if (method !== undefined && method.toUpperCase() !== req.method) return { ok: false, why: `method ${method} does not match ${req.method}` };
  const re = str(c.pathRegex);
  if (re !== undefined && !fullMatch(re, req.path)) return { ok: false, why: `pathRegex ${re} does not match ${req.path}` };
  if (Array.isArray(c.all)) {
    for (const x of objs(c.all)) {
      const r = condOk(x, req);
      if (!r.ok) return { ok: false, why: `all: ${r.why}` };
    }
  }
  if (Array.isArray(c.any) && objs(c.any).length) {
    const rs = objs(c.any).map((x) => condOk(x, req));
    if (!rs.some((r) => r.ok)) return { ok: false, why: `any: ${rs.map((r) => r.why).join(' / ')}` };
  }
  if (isObj(c.not)) {
    if (condOk(c.not, req).ok) return { ok: false, why: 'not: the negated condition matches' };
  }
  return { ok: true, why: [method ? `method ${method}` : '', re ? `pathRegex ${re}` : ''].filter(Boolean).join(', ') || 'condition' };
}

export interface SpHit {
  sp: Resource;
  routeIndex: number;
  route: Obj;
}

/** The first ServiceProfile route whose condition matches. */
export function matchServiceProfile(sp: Resource, req: HttpRequest): { hit?: SpHit; skipped: SkippedRule[] } {
  const skipped: SkippedRule[] = [];
  const routes = objs(sp.spec.routes);
  for (let i = 0; i < routes.length; i++) {
    const r = condOk(isObj(routes[i].condition) ? routes[i].condition as Obj : {}, req);
    if (r.ok) return { hit: { sp, routeIndex: i, route: routes[i] }, skipped };
    skipped.push({ engine: 'service-profile', resource: refOf(sp), rule: i, ruleName: str(routes[i].name), reason: r.why, loc: locOf(sp, ['spec', 'routes', i]) });
  }
  return { skipped };
}

export function matchedSpRoute(hit: SpHit): MatchedRule {
  const c = isObj(hit.route.condition) ? (hit.route.condition as Obj) : {};
  return {
    engine: 'service-profile',
    resource: refOf(hit.sp),
    rule: hit.routeIndex,
    ruleName: str(hit.route.name),
    summary: [str(c.method), str(c.pathRegex)].filter(Boolean).join(' ') || 'condition',
    loc: locOf(hit.sp, ['spec', 'routes', hit.routeIndex]),
  };
}

export function spActions(hit: SpHit): SimActions {
  const a: SimActions = {};
  if (str(hit.route.timeout)) a.timeout = str(hit.route.timeout);
  if (hit.route.isRetryable === true) a.retries = { budget: hit.sp.spec.retryBudget ?? { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: '10s' } };
  return a;
}

export interface SplitTarget {
  host: string;
  port?: number;
  weight: number;
  path: Array<string | number>;
  res: Resource;
}

/** ServiceProfile dstOverrides: `authority` is `host[:port]`. */
export function dstOverrides(index: WorkspaceIndex, sp: Resource): SplitTarget[] {
  return objs(sp.spec.dstOverrides).map((d, i) => {
    const hp = splitHostPort(str(d.authority) ?? '');
    return { host: requestFqdn(index, hp.host.toLowerCase(), sp.namespace), port: hp.port, weight: quantity(d.weight), path: ['spec', 'dstOverrides', i], res: sp };
  });
}

/** SMI TrafficSplit backends (services in the split's namespace). */
export function splitBackends(ts: Resource): SplitTarget[] {
  return objs(ts.spec.backends).map((b, i) => ({
    host: configHost((str(b.service) ?? '').toLowerCase(), ts.namespace),
    weight: quantity(b.weight),
    path: ['spec', 'backends', i],
    res: ts,
  }));
}
