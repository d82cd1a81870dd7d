import { arr, istioHost, str, strings, type Resource } from '../../workspace';
import { appendItem } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { findGateway, fullName, gatewayHostsFor, GK, internalGatewayRef, listText, MESH_GATEWAY, namesOverlap, onResource, parseGatewayRef, yamlScalar } from './util';

export const vsHostNotInGateway: Rule = {
  id: 'istio/vs-host-not-in-gateway',
  code: 'IST0132',
  severity: 'warning',
  kinds: [GK.vs],
  needsWorkspace: [GK.gw, GK.k8sGateway],
  doc: {
    summary: 'None of a VirtualService\u2019s hosts is served by a Gateway it binds to (Istio Gateway `servers[].hosts`, honouring `ns/` prefixes, or Gateway API listener hostnames).',
    why: 'A gateway only applies VirtualServices whose hosts match one of its server hosts exported to the VirtualService\u2019s namespace; otherwise the routes are ignored and clients get 404s.',
    fix: 'Add the host to the Gateway server (`host`, `<namespace>/host` or `*/host`), or bind the VirtualService to the Gateway that serves the host.',
  },
  check(ctx: RuleContext, res: Resource) {
    const vsHosts = strings(res.spec.hosts);
    if (!vsHosts.length) return;
    const candidates = [...new Set([...vsHosts, ...vsHosts.map((h) => istioHost(h, res.namespace))])];
    arr(res.spec.gateways).forEach((v, i) => {
      const ref = str(v);
      if (!ref || ref === MESH_GATEWAY || internalGatewayRef(ref)) return;
      const { namespace, name } = parseGatewayRef(ref, res.namespace);
      const gw = findGateway(ctx.index, namespace, name);
      if (!gw) return;
      const gwHosts = gatewayHostsFor(gw, res.namespace);
      if (gwHosts.some((g) => candidates.some((h) => namesOverlap(g, h)))) return;
      const fix =
        gw.kind === 'istio'
          ? onResource(appendItem(gw.res, ['spec', 'servers', 0, 'hosts'], yamlScalar(vsHosts[0]), `Add ${vsHosts[0]} to the hosts of Gateway ${fullName(gw.res)}`), gw.res, res.uri)
          : undefined;
      const where = gw.kind === 'istio' ? 'server hosts' : 'listener hostnames';
      const visible = gw.kind === 'istio' ? ` visible to namespace ${res.namespace}` : '';
      ctx.report(res, {
        path: ['spec', 'gateways', i],
        on: 'value',
        message:
          `${vsHosts.length > 1 ? `None of the hosts ${listText(vsHosts.map((h) => `"${h}"`))} is` : `Host "${vsHosts[0]}" is not`} served by ${gw.kind === 'istio' ? 'Gateway' : 'Gateway API Gateway'} ${fullName(gw.res)}: ` +
          (gwHosts.length ? `its ${where}${visible}: ${listText(gwHosts.map((h) => `"${h}"`))}.` : `it has no ${where}${visible}.`) +
          ' The gateway ignores this VirtualService.',
        fixes: fix ? [fix] : undefined,
      });
    });
  },
};
