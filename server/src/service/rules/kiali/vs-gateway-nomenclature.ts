import { get, type Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { resolveGatewayName } from './gateway-names';
import { GK, indexed, indexedStrings } from './util';

export const vsGatewayNomenclature: Rule = {
  id: 'kiali/vs-gateway-nomenclature',
  code: 'KIA1108',
  severity: 'info',
  kinds: [GK.vs],
  doc: {
    summary: 'A VirtualService names a gateway by its bare name, without the `<namespace>/<name>` form.',
    why: 'A bare name silently means "in the VirtualService\'s namespace"; the explicit `namespace/name` form says which Gateway is meant and keeps working when the VirtualService moves. (The legacy `name.namespace.svc.cluster.local` form, which Kiali also flags with this code, is reported by Istio\'s own validation warning.)',
    fix: 'Write the gateway as `<gateway namespace>/<gateway name>`.',
  },
  check(ctx: RuleContext, res: Resource) {
    const lists: Array<Array<string | number>> = [['spec', 'gateways']];
    for (const [route, i] of indexed(res.spec.http)) for (const [, j] of indexed(route.match)) lists.push(['spec', 'http', i, 'match', j, 'gateways']);
    for (const listPath of lists) {
      for (const [gw, k] of indexedStrings(get(res.obj, ...listPath))) {
        // the legacy `name.namespace[.svc.cluster.local]` form is Istio's own validation warning (istio/validation-warning)
        if (gw === 'mesh' || gw.includes('/') || gw.includes('.') || !gw) continue;
        const resolved = resolveGatewayName(gw, res.namespace);
        const path = [...listPath, k];
        const fix = replaceValue(res, path, resolved, `Change to ${resolved}`);
        ctx.report(res, {
          path,
          on: 'value',
          message: `Gateway "${gw}" has no namespace, so it means "${resolved}": prefer writing "${resolved}".`,
          fixes: fix ? [fix] : undefined,
        });
      }
    }
  },
};
