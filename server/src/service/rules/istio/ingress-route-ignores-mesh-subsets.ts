import { defineTable, istioHost, strings, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { boundToGateways, boundToMesh, fullName, GK, listText, MESH_GATEWAY, vsDests, vsGateways } from './util';

/** Host FQDN -> mesh VirtualServices that route that very host by subsets. */
const MESH_SUBSET_ROUTED = defineTable<Resource>('istio/mesh-subset-routed', GK.vs, (vs) => {
  if (!boundToMesh(vs)) return [];
  const own = new Set(strings(vs.spec.hosts).map((h) => istioHost(h, vs.namespace)));
  const keys = new Set<string>();
  for (const d of vsDests(vs)) {
    if (d.section !== 'http' || d.kind !== 'route' || !d.subset) continue;
    const fqdn = istioHost(d.host, vs.namespace);
    if (own.has(fqdn)) keys.add(fqdn);
  }
  return [...keys].map((k) => [k, vs]);
});

export const ingressRouteIgnoresMeshSubsets: Rule = {
  id: 'istio/ingress-route-ignores-mesh-subsets',
  code: 'IST0140',
  severity: 'warning',
  kinds: [GK.vs],
  needsWorkspace: [GK.vs],
  doc: {
    summary:
      'A gateway-bound VirtualService routes to a host without a subset, while a mesh VirtualService for that host splits traffic by subsets.',
    why: 'VirtualServices are not chained: requests entering through the gateway follow only the gateway VirtualService, so the mesh VirtualService\u2019s subset routing (canary weights, version pinning) does not apply to them.',
    fix: 'Route to the subsets in the gateway VirtualService too (or bind one VirtualService to both the gateway and `mesh`).',
  },
  check(ctx: RuleContext, res: Resource) {
    if (!boundToGateways(res)) return;
    const gateways = vsGateways(res).filter((g) => g !== MESH_GATEWAY);
    for (const d of vsDests(res)) {
      if (d.section !== 'http' || d.kind !== 'route' || d.subset) continue;
      const mesh = ctx.index.lookup(MESH_SUBSET_ROUTED, istioHost(d.host, res.namespace)).filter((vs) => vs !== res && !(vs.uri === res.uri && vs.startLine === res.startLine));
      if (!mesh.length) continue;
      ctx.report(res, {
        path: [...d.path, 'host'],
        on: 'value',
        message:
          `Requests entering through ${listText(gateways)} are routed to "${d.host}" without a subset, so the subset routing of mesh VirtualService ${listText(mesh.map(fullName))} does not apply to them ` +
          '(gateway and mesh VirtualServices are not chained); they reach every version of the service.',
      });
    }
  },
};
