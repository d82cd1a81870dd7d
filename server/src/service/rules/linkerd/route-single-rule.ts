import { arr, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, linkerdReadsRoute } from './util';

export const routeSingleRule: Rule = {
  id: 'linkerd/route-single-rule',
  severity: 'error',
  kinds: [GK.tlsRoute, GK.tcpRoute],
  doc: {
    summary: 'A TLSRoute or TCPRoute read by Linkerd has more (or fewer) than one rule.',
    why: "Linkerd supports a single rule on TLS and TCP routes; its policy admission webhook rejects the route otherwise.",
    fix: 'Keep exactly one rule; split the others into their own routes.',
  },
  check(ctx: RuleContext, res: Resource) {
    if (!Array.isArray(res.spec.rules) || !linkerdReadsRoute(ctx.index, res)) return;
    const n = arr(res.spec.rules).length;
    if (n === 1) return;
    ctx.report(res, {
      path: n > 1 ? ['spec', 'rules', 1] : ['spec', 'rules'],
      message: `Linkerd supports exactly one rule on a ${res.kind} (this one has ${n}); it rejects the route.`,
    });
  },
};
