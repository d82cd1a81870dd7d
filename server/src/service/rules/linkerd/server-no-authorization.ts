import { get, isObj, matchesLabelSelector, objs, str, type Resource, type WorkspaceIndex } from '../../workspace';
import { setField } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GATEWAY, GK, parentIsServer, POLICY, refIs } from './util';

/** Is some AuthorizationPolicy or ServerAuthorization of the workspace attached to this Server (directly, via a route or its namespace)? */
export function serverAuthorized(index: WorkspaceIndex, server: Resource): boolean {
  const ns = server.namespace;
  const lower = server.name.toLowerCase();
  const routeKinds: Array<[string, string, string]> = [
    [POLICY, 'HTTPRoute', GK.policyHttpRoute],
    [GATEWAY, 'HTTPRoute', GK.gatewayHttpRoute],
    [GATEWAY, 'GRPCRoute', GK.grpcRoute],
  ];
  const routeOnServer = (gk: string, name: string): boolean => {
    const route = index.find(gk, ns, name);
    return !!route && objs(route.spec.parentRefs).some((p) => parentIsServer(route, p) && (str(p.name) ?? '').toLowerCase() === lower && (str(p.namespace) ?? ns) === ns);
  };
  for (const ap of index.of(GK.authorizationPolicy)) {
    if (ap.namespace !== ns) continue;
    const t = ap.spec.targetRef;
    if (!isObj(t)) continue;
    const name = str(t.name) ?? '';
    if (refIs(t, POLICY, 'Server') && name.toLowerCase() === lower) return true;
    if (refIs(t, '', 'Namespace') && name === ns) return true;
    for (const [g, k, gk] of routeKinds) if (refIs(t, g, k) && routeOnServer(gk, name)) return true;
  }
  for (const sa of index.of(GK.serverAuthorization)) {
    if (sa.namespace !== ns) continue;
    const s = sa.spec.server;
    if (!isObj(s)) continue;
    if (str(s.name) === server.name) return true;
    if (isObj(s.selector) && matchesLabelSelector(s.selector, server.labels)) return true;
  }
  return false;
}

export const serverNoAuthorization: Rule = {
  id: 'linkerd/server-no-authorization',
  severity: 'warning',
  kinds: [GK.server],
  doc: {
    summary: 'A Server whose accessPolicy is deny (the default) has no AuthorizationPolicy or ServerAuthorization attached, directly, through a route or through its namespace.',
    why: 'Creating such a Server denies every request to that port (only kubelet probes keep working): the port goes dark as soon as the Server is applied. Reported as info when the workspace holds no authorizations at all (they may live elsewhere).',
    fix: 'Add an AuthorizationPolicy that targets the Server (or an HTTPRoute on it), or choose another accessPolicy such as all-authenticated.',
  },
  check(ctx: RuleContext, res: Resource) {
    const ap = res.spec.accessPolicy;
    if (ap !== undefined && ap !== 'deny') return;
    if (!res.name || serverAuthorized(ctx.index, res)) return;
    const anyAuthz = ctx.index.of(GK.authorizationPolicy).length + ctx.index.of(GK.serverAuthorization).length > 0;
    const fix = setField(res, ['spec'], 'accessPolicy', 'all-authenticated', 'Allow every meshed client (accessPolicy: all-authenticated)');
    const port = get(res.spec, 'port');
    ctx.report(res, {
      path: ap === undefined ? ['metadata', 'name'] : ['spec', 'accessPolicy'],
      on: 'value',
      severity: anyAuthz ? 'warning' : 'info',
      message: `Server "${res.name}" denies all traffic to port ${String(port ?? '?')}: its accessPolicy is ${ap === undefined ? 'deny by default' : 'deny'} and no AuthorizationPolicy or ServerAuthorization in the workspace authorizes it.`,
      fixes: fix ? [fix] : undefined,
    });
  },
};
