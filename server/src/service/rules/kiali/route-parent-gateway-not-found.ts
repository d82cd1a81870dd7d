import { str, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GATEWAY_API_GROUP, ROUTE_KINDS, gatewayAllowsNamespace } from './gateway-api';
import { GK, indexed, ref } from './util';

export const routeParentGatewayNotFound: Rule = {
  id: 'kiali/route-parent-gateway-not-found',
  code: 'KIA1401',
  severity: 'error',
  kinds: ROUTE_KINDS,
  needsWorkspace: [GK.k8sGw],
  doc: {
    summary: 'A Gateway API route\'s parentRef names a Gateway that is not in the workspace, or one whose listeners do not accept routes from the route\'s namespace.',
    why: 'The route is not attached to any Gateway, so none of its rules take effect (its status shows Accepted=False). parentRefs of kind Service (GAMMA mesh routes) are not checked here.',
    fix: 'Correct the Gateway name or namespace in parentRefs, or allow the route\'s namespace in the Gateway listener\'s `allowedRoutes.namespaces`.',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const [p, i] of indexed(res.spec.parentRefs)) {
      const kind = str(p.kind) ?? 'Gateway';
      const group = str(p.group) ?? GATEWAY_API_GROUP;
      const name = str(p.name);
      if (kind !== 'Gateway' || group !== GATEWAY_API_GROUP || !name) continue;
      const ns = str(p.namespace) || res.namespace;
      const gw = ctx.index.find(GK.k8sGw, ns, name);
      if (!gw) {
        const elsewhere = ctx.index.of(GK.k8sGw).filter((g) => g.name === name);
        ctx.report(res, {
          path: ['spec', 'parentRefs', i, 'name'],
          on: 'value',
          message: `Gateway ${ns}/${name} is not in the workspace${elsewhere.length ? ` (a Gateway ${name} exists in namespace ${elsewhere.map((g) => g.namespace).join(', ')}: set parentRefs namespace)` : ''}: this ${res.kind} is not attached to it.`,
        });
        continue;
      }
      if (gw.namespace === res.namespace) continue;
      const sectionName = str(p.sectionName);
      if (gatewayAllowsNamespace(ctx.index, gw, res.namespace, sectionName) === false) {
        ctx.report(res, {
          path: ['spec', 'parentRefs', i, 'name'],
          on: 'value',
          message: `${ref(gw)} does not accept routes from namespace ${res.namespace}${sectionName ? ` on listener ${sectionName}` : ''} (allowedRoutes.namespaces): this ${res.kind} is not attached to it.`,
        });
      }
    }
  },
};
