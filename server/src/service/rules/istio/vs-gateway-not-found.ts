import { suggest } from '../../text';
import { arr, str, type Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { findGateway, GK, internalGatewayRef, MESH_GATEWAY, parseGatewayRef } from './util';

export const vsGatewayNotFound: Rule = {
  id: 'istio/vs-gateway-not-found',
  code: 'IST0101',
  alsoCodes: ['KIA1102'],
  severity: 'error',
  kinds: [GK.vs],
  needsWorkspace: [GK.gw, GK.k8sGateway],
  doc: {
    summary: 'A VirtualService binds to a gateway (`ns/name`, or `name` in its own namespace) that no Gateway in the workspace defines.',
    why: 'Routes bound to a missing gateway are never programmed on any proxy: traffic entering through the intended gateway gets 404s.',
    fix: 'Reference an existing Gateway as `<namespace>/<name>` (or `<name>` when it is in the same namespace), or add the Gateway. Use `mesh` for sidecars.',
  },
  check(ctx: RuleContext, res: Resource) {
    const gateways = [...ctx.index.of(GK.gw), ...ctx.index.of(GK.k8sGateway)];
    const candidates = gateways.map((g) => (g.namespace === res.namespace ? g.name : `${g.namespace}/${g.name}`));
    arr(res.spec.gateways).forEach((v, i) => {
      const ref = str(v);
      if (!ref || ref === MESH_GATEWAY || internalGatewayRef(ref)) return;
      const { namespace, name } = parseGatewayRef(ref, res.namespace);
      if (findGateway(ctx.index, namespace, name)) return;
      const best = suggest(ref, candidates, 1)[0] ?? suggest(name, candidates, 1)[0];
      // A gateway in a namespace the workspace knows nothing about most likely lives outside the workspace.
      if (namespace !== res.namespace && !ctx.index.namespaces().has(namespace) && !best) return;
      const fix = best ? replaceValue(res, ['spec', 'gateways', i], best, `Change gateway to ${best}`) : undefined;
      ctx.report(res, {
        path: ['spec', 'gateways', i],
        on: 'value',
        message: `Gateway "${ref}" does not exist: no Istio Gateway or Gateway API Gateway named ${name} in namespace ${namespace}.${best ? ` Did you mean "${best}"?` : ''}`,
        fixes: fix ? [fix] : undefined,
      });
    });
  },
};
