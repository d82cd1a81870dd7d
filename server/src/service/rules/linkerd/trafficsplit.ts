import { suggest } from '../../text';
import { objs, istioHost, str, type Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { PathSeg } from '../../model';
import type { Rule, RuleContext } from '../types';
import { GK } from './util';

/** A TrafficSplit weight (a number, or a quantity string such as "500m"), or undefined when unreadable. */
export function weightOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(m|k)?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'm' ? n / 1000 : m[2] === 'k' ? n * 1000 : n;
}

export const trafficSplitServiceNotFound: Rule = {
  id: 'linkerd/trafficsplit-service-not-found',
  severity: 'error',
  kinds: [GK.trafficSplit],
  needsWorkspace: [GK.service],
  doc: {
    summary: 'An SMI TrafficSplit names a root service or a backend that no Service of the workspace defines.',
    why: "Linkerd's SMI adaptor turns the split into a ServiceProfile for the root Service with the backends as destinations: a missing root means clients never hit the split, and traffic sent to a missing backend fails.",
    fix: 'Use the names of existing Services in the TrafficSplit\'s namespace.',
  },
  check(ctx: RuleContext, res: Resource) {
    const services = ctx.index.kubeServices();
    const names = [...services.values()].filter((s) => s.res.namespace === res.namespace).map((s) => s.res.name);
    const listed = new Set([str(res.spec.service), ...objs(res.spec.backends).map((b) => str(b.service))]);
    const checkOne = (name: string, path: PathSeg[], what: string): void => {
      if (name.includes('*')) return;
      const fqdn = istioHost(name, res.namespace);
      if (services.has(fqdn)) return;
      // judge only namespaces whose Services are in the workspace
      const ns = fqdn.endsWith('.svc.cluster.local') ? fqdn.split('.')[1] : undefined;
      if (!ns || ![...services.values()].some((s) => s.res.namespace === ns)) return;
      // never suggest a Service the split already names
      const best = suggest(name, names.filter((n) => !listed.has(n)), 1)[0];
      const fix = best ? replaceValue(res, path, best, `Change to ${best}`) : undefined;
      ctx.report(res, {
        path,
        on: 'value',
        message: `${what} "${name}" matches no Service in the workspace (${fqdn}).${best ? ` Did you mean "${best}"?` : ''}`,
        fixes: fix ? [fix] : undefined,
      });
    };
    const root = str(res.spec.service);
    if (root) checkOne(root, ['spec', 'service'], 'Root service');
    objs(res.spec.backends).forEach((b, i) => {
      const s = str(b.service);
      if (s) checkOne(s, ['spec', 'backends', i, 'service'], 'Backend service');
    });
  },
};

export const trafficSplitWeightsZero: Rule = {
  id: 'linkerd/trafficsplit-weights-zero',
  severity: 'error',
  kinds: [GK.trafficSplit],
  doc: {
    summary: 'Every backend of an SMI TrafficSplit has weight 0.',
    why: 'With no weight anywhere the split has no destination to send traffic to: requests to the root service fail.',
    fix: 'Give at least one backend a positive weight.',
  },
  check(ctx: RuleContext, res: Resource) {
    const backends = objs(res.spec.backends);
    if (!backends.length) return;
    const weights = backends.map((b) => weightOf(b.weight));
    if (weights.some((w) => w === undefined || w !== 0)) return;
    ctx.report(res, { path: ['spec', 'backends'], message: 'Every backend has weight 0, so the split sends traffic nowhere. Give at least one backend a positive weight.' });
  },
};
