import { arr, defineTable, istioHost, str, strings, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { boundToMesh, exportScope, fullName, GK, listText, scopesIntersect } from './util';

/** Mesh-bound VirtualServices by qualified host. */
const MESH_VS_BY_HOST = defineTable<Resource>('istio/mesh-vs-by-host', GK.vs, (o) =>
  boundToMesh(o) ? [...new Set(strings(o.spec.hosts).map((h) => istioHost(h, o.namespace)))].map((x) => [x, o]) : [],
);

export const conflictingMeshGatewayHosts: Rule = {
  id: 'istio/conflicting-mesh-gateway-hosts',
  code: 'IST0109',
  severity: 'error',
  kinds: [GK.vs],
  needsWorkspace: [GK.vs],
  doc: {
    summary: 'Two VirtualServices that apply to sidecars (no `gateways`, or `mesh` among them) define the same host for clients that see both (exportTo considered).',
    why: 'Istio does not merge VirtualServices for sidecars: for a given host only one of them is used (the oldest), so the other one\u2019s routes are silently ignored.',
    fix: 'Merge the routes into a single VirtualService for the host, or restrict one with `exportTo` so no namespace sees both.',
  },
  check(ctx: RuleContext, res: Resource) {
    if (!boundToMesh(res)) return;
    // mesh-bound VirtualServices by qualified host: a table shared by every check, read by key
    const scope = exportScope(strings(res.spec.exportTo), res.namespace);
    arr(res.spec.hosts).forEach((v, i) => {
      const h = str(v);
      if (!h) return;
      const fqdn = istioHost(h, res.namespace);
      const clash = ctx.index.lookup(MESH_VS_BY_HOST, fqdn).filter(
        (o) => o !== res && !(o.uri === res.uri && o.startLine === res.startLine) && scopesIntersect(scope, exportScope(strings(o.spec.exportTo), o.namespace)),
      );
      if (!clash.length) return;
      const names = clash.map(fullName).sort();
      ctx.report(res, {
        path: ['spec', 'hosts', i],
        on: 'value',
        message: `Host "${h}"${h !== fqdn ? ` (${fqdn})` : ''} is also routed for the mesh gateway by VirtualService ${listText(names)}; sidecars that see both use only one of them, and the other\u2019s routes are ignored.`,
      });
    });
  },
};
