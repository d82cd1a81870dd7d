import { istioHost, strings, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { resolveGatewayName } from './gateway-names';
import { GK, andList, indexedStrings, lc, ref, same } from './util';

function gatewaysOf(res: Resource): string[] {
  const gws = strings(res.spec.gateways);
  return gws.length ? gws.map((g) => resolveGatewayName(g, res.namespace)) : ['mesh'];
}

export const vsHostInMultiple: Rule = {
  id: 'kiali/vs-host-in-multiple',
  code: 'KIA1106',
  severity: 'warning',
  kinds: [GK.vs],
  needsWorkspace: [GK.vs],
  doc: {
    summary: 'More than one VirtualService defines the same host for the same gateway.',
    why: 'Istio merges VirtualServices bound to a gateway without a defined order, so when their routes overlap only the first one seen applies, and a catch-all route in one can hide the routes of the other. (For the `mesh` gateway, the IST0109 rule reports it.) A `*` host collides with every host of the other VirtualServices of its namespace.',
    fix: 'Merge the VirtualServices into one per host, or bind them to different gateways.',
  },
  check(ctx: RuleContext, res: Resource) {
    const mineGws = gatewaysOf(res).filter((g) => g !== 'mesh');
    if (!mineGws.length) return;
    const others = ctx.index.of(GK.vs).filter((o) => !same(o, res));
    for (const [host, k] of indexedStrings(res.spec.hosts)) {
      const fqdn = lc(istioHost(host, res.namespace));
      const clashes: string[] = [];
      for (const o of others) {
        const shared = gatewaysOf(o).filter((g) => mineGws.includes(g));
        if (!shared.length) continue;
        const hit = strings(o.spec.hosts).some((h) => {
          if (host === '*' || h === '*') return o.namespace === res.namespace;
          return lc(istioHost(h, o.namespace)) === fqdn;
        });
        if (hit) clashes.push(`${ref(o)} (gateway ${andList(shared)})`);
      }
      if (!clashes.length) continue;
      ctx.report(res, {
        path: ['spec', 'hosts', k],
        on: 'value',
        message: `Host ${host} is also defined by ${andList(clashes)}: Istio merges them in no defined order, so overlapping routes of one may be ignored.`,
      });
    }
  },
};
