import { get, isObj, num, istioHost, str, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, indexed, lc } from './util';

export const vsRepeatedDestination: Rule = {
  id: 'kiali/vs-repeated-destination',
  code: 'KIA1105',
  severity: 'warning',
  kinds: [GK.vs],
  doc: {
    summary: 'The same host and subset appear more than once among the destinations of one route.',
    why: 'Istio accepts it, but the duplicate is almost always a typo (a subset or host that should differ), and the weights then do not split traffic the way they read.',
    fix: 'Keep one destination per host+subset (adding their weights together), or correct the subset or host of the other.',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const section of ['http', 'tcp', 'tls'] as const) {
      for (const [route, i] of indexed(res.spec[section])) {
        const seen = new Map<string, number[]>();
        for (const [rd, j] of indexed(route.route)) {
          const d = rd.destination;
          if (!isObj(d)) continue;
          const host = str(d.host);
          if (!host) continue;
          const key = `${lc(istioHost(host, res.namespace))}|${str(d.subset) ?? ''}|${num(get(d, 'port', 'number')) ?? ''}`;
          seen.set(key, [...(seen.get(key) ?? []), j]);
        }
        for (const js of seen.values()) {
          if (js.length < 2) continue;
          for (const j of js) {
            const d = get(route.route, j, 'destination');
            const subset = str(get(d, 'subset'));
            const others = js.filter((x) => x !== j).map((x) => `#${x + 1}`);
            ctx.report(res, {
              path: ['spec', section, i, 'route', j, 'destination', 'host'],
              on: 'value',
              message: `Destination ${str(get(d, 'host'))}${subset ? ` subset ${subset}` : ''} is repeated in this route (destination${others.length > 1 ? 's' : ''} ${others.join(', ')}).`,
            });
          }
        }
      }
    }
  },
};
