import { objs, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { parentIsEgressNetwork, ROUTE_KINDS } from './util';

export const routeEgressParentPort: Rule = {
  id: 'linkerd/route-egress-parent-port',
  severity: 'error',
  kinds: ROUTE_KINDS,
  doc: {
    summary: 'A route attaches to an EgressNetwork without a port.',
    why: 'Linkerd\'s policy admission webhook rejects the route ("cannot target an EgressNetwork without specifying a port"): egress routes apply per destination port.',
    fix: 'Add the destination `port` (for example 443) to the EgressNetwork parentRef.',
  },
  check(ctx: RuleContext, res: Resource) {
    objs(res.spec.parentRefs).forEach((p, i) => {
      if (parentIsEgressNetwork(res, p) && p.port === undefined) {
        ctx.report(res, { path: ['spec', 'parentRefs', i], message: 'A parentRef to an EgressNetwork needs a `port`: Linkerd rejects egress routes without one.' });
      }
    });
  },
};
