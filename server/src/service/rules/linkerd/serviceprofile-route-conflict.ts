import { objs, str, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { parseProfileName } from './serviceprofile-name';
import { GK, parentIsService } from './util';

export const serviceProfileRouteConflict: Rule = {
  id: 'linkerd/serviceprofile-route-conflict',
  severity: 'warning',
  kinds: [GK.policyHttpRoute, GK.gatewayHttpRoute, GK.grpcRoute],
  needsWorkspace: [GK.serviceProfile],
  doc: {
    summary: 'An HTTPRoute or GRPCRoute attaches to a Service that also has a ServiceProfile.',
    why: 'For as long as a ServiceProfile exists for a Service, Linkerd proxies use it and ignore the outbound routes attached to that Service: the route is silently dead.',
    fix: 'Move the ServiceProfile\'s routes, retries and timeouts to the route (ServiceProfiles are superseded by Gateway API routes) and delete the ServiceProfile, or drop the route.',
  },
  check(ctx: RuleContext, res: Resource) {
    const profiles = ctx.index.of(GK.serviceProfile);
    objs(res.spec.parentRefs).forEach((p, i) => {
      if (!parentIsService(res, p)) return;
      const name = str(p.name);
      if (!name) return;
      const ns = str(p.namespace) ?? res.namespace;
      // a profile in the Service's namespace applies to every client; one in the route's namespace to its clients
      const sp = profiles.find((r) => {
        const n = parseProfileName(r.name);
        return n && n.service === name && n.namespace === ns && (r.namespace === ns || r.namespace === res.namespace);
      });
      if (!sp) return;
      ctx.report(res, {
        path: ['spec', 'parentRefs', i],
        message: `ServiceProfile "${sp.name}" (namespace "${sp.namespace}") also configures Service "${name}": Linkerd uses the ServiceProfile and ignores this ${res.kind} while the profile exists.`,
      });
    });
  },
};
