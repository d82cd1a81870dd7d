import { isObj, type Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Fix } from '../../model';
import type { Rule, RuleContext } from '../types';
import { GK, indexed, removeKeyLine } from './util';

export const vsSingleDestinationWeight: Rule = {
  id: 'kiali/vs-single-destination-weight',
  code: 'KIA1104',
  severity: 'warning',
  kinds: [GK.vs],
  doc: {
    summary: 'A route has a single destination with a weight below 100.',
    why: 'With one destination Istio sends it all the traffic and ignores the weight, so a weight like 90 suggests a canary split whose other destination is missing.',
    fix: 'Remove the weight (or set it to 100), or add the other destination that should take the rest of the traffic.',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const section of ['http', 'tcp', 'tls'] as const) {
      for (const [route, i] of indexed(res.spec[section])) {
        if (!Array.isArray(route.route) || route.route.length !== 1 || !isObj(route.route[0])) continue;
        const w = route.route[0].weight;
        if (typeof w !== 'number' || w >= 100 || w < 0) continue;
        const path = ['spec', section, i, 'route', 0, 'weight'];
        const fixes = [removeKeyLine(res, path, 'Remove the weight'), replaceValue(res, path, '100', 'Set the weight to 100')].filter((f): f is Fix => !!f);
        ctx.report(res, {
          path,
          on: 'value',
          message: `This ${section} route has a single destination, so its weight ${w} is ignored and it receives 100% of the traffic. Remove the weight or add the destination meant to take the other ${100 - w}%.`,
          fixes: fixes.length ? fixes : undefined,
        });
      }
    }
  },
};
