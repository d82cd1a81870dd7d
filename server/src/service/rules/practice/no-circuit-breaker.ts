import { defineTable, hostMatches, isObj, objs, istioHost, str, type Obj, type Resource, type WorkspaceIndex } from '../../workspace';
import { setField } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { DR, routeDestinations, VS } from './util';

const OUTLIER_DEFAULTS = '\nconsecutive5xxErrors: 5\ninterval: 10s\nbaseEjectionTime: 30s\nmaxEjectionPercent: 50';

/** DestinationRules by qualified host, the wildcard ones under `*`. */
const DR_BY_HOST = defineTable<Resource>('practice/dr-by-host', DR, (dr) => {
  const h = str(dr.spec.host);
  if (!h) return [];
  const q = istioHost(h, dr.namespace);
  return [[q.includes('*') ? '*' : q, dr]];
});

/** DestinationRules whose host covers a fully qualified host (read by key from a shared table, not scanned). */
function rulesFor(index: WorkspaceIndex, fqdn: string): Resource[] {
  const hits = index.lookup(DR_BY_HOST, fqdn);
  const wild = index.lookup(DR_BY_HOST, '*').filter((dr) => hostMatches(istioHost(str(dr.spec.host) ?? '', dr.namespace), fqdn));
  return [...hits, ...wild];
}

export const noCircuitBreaker: Rule = {
  id: 'practice/no-circuit-breaker',
  severity: 'info',
  kinds: [VS, DR],
  doc: {
    summary: 'A routed host has no DestinationRule, or its DestinationRule limits connections (connectionPool) without ejecting failing endpoints (outlierDetection).',
    why: 'Without outlier detection Envoy keeps sending traffic to endpoints that return errors or time out, and a connection pool alone only queues or rejects requests: there is no circuit breaker.',
    fix: 'Add trafficPolicy.outlierDetection (the quick fix adds consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50) to the DestinationRule.',
  },
  check(ctx: RuleContext, res: Resource) {
    if (res.gk === DR) {
      checkRule(ctx, res);
      return;
    }
    // a VirtualService: routed hosts with no DestinationRule at all (only judged when the workspace has DestinationRules)
    if (!ctx.index.has(DR)) return;
    const seen = new Set<string>();
    for (const d of routeDestinations(res)) {
      if (d.host.includes('*')) continue;
      const fqdn = istioHost(d.host, res.namespace);
      if (seen.has(fqdn) || rulesFor(ctx.index, fqdn).length) continue;
      // hosts that resolve to nothing are another rule's business (IST0101)
      const found = ctx.index.lookupHost(fqdn, res.namespace);
      if (!found.service && !found.entries.length) continue;
      seen.add(fqdn);
      ctx.report(res, {
        path: [...d.path, 'host'],
        on: 'value',
        message: `No circuit breaker: no DestinationRule in the workspace configures "${d.host}" (${fqdn}), so failing endpoints are never ejected.`,
      });
    }
  },
};

function checkRule(ctx: RuleContext, res: Resource): void {
  const top = isObj(res.spec.trafficPolicy) ? res.spec.trafficPolicy : undefined;
  const has = (tp: Obj | undefined, k: string): boolean => !!tp && tp[k] !== undefined && tp[k] !== null;
  const fixFor = (base: Array<string | number>): ReturnType<typeof setField> => setField(res, [...base, 'trafficPolicy'], 'outlierDetection', OUTLIER_DEFAULTS, 'Add outlierDetection (5 consecutive 5xx, 10s interval, 30s ejection, 50%)');
  const msg = 'No circuit breaker: this traffic policy limits connections (connectionPool) but has no outlierDetection, so endpoints that fail keep receiving traffic.';
  if (has(top, 'connectionPool') && !has(top, 'outlierDetection')) {
    const fix = fixFor(['spec']);
    ctx.report(res, { path: ['spec', 'trafficPolicy', 'connectionPool'], message: msg, fixes: fix ? [fix] : undefined });
    return;
  }
  if (has(top, 'outlierDetection')) return;
  objs(res.spec.subsets).forEach((s, i) => {
    const tp = isObj(s.trafficPolicy) ? s.trafficPolicy : undefined;
    if (has(tp, 'connectionPool') && !has(tp, 'outlierDetection')) {
      const fix = fixFor(['spec', 'subsets', i]);
      ctx.report(res, { path: ['spec', 'subsets', i, 'trafficPolicy', 'connectionPool'], message: msg, fixes: fix ? [fix] : undefined });
    }
  });
}
