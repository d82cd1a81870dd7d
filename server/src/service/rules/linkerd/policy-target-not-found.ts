import type { PathSeg } from '../../model';
import { suggest } from '../../text';
import { get, isObj, objs, str, type Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GATEWAY, GK, parentIsServer, POLICY, refIs } from './util';

interface Ref {
  gk: string;
  kind: string;
  name: string;
  namespace: string;
  path: PathSeg[];
}

function refsOf(res: Resource): Ref[] {
  const out: Ref[] = [];
  const add = (ref: unknown, path: PathSeg[]): void => {
    if (!isObj(ref)) return;
    const name = str(ref.name);
    if (!name) return;
    const namespace = res.namespace;
    if (refIs(ref, POLICY, 'Server')) out.push({ gk: GK.server, kind: 'Server', name, namespace, path });
    else if (refIs(ref, POLICY, 'HTTPRoute')) out.push({ gk: GK.policyHttpRoute, kind: 'HTTPRoute', name, namespace, path });
    else if (refIs(ref, GATEWAY, 'HTTPRoute')) out.push({ gk: GK.gatewayHttpRoute, kind: 'HTTPRoute', name, namespace, path });
    else if (refIs(ref, GATEWAY, 'GRPCRoute')) out.push({ gk: GK.grpcRoute, kind: 'GRPCRoute', name, namespace, path });
  };
  switch (res.gk) {
    case GK.authorizationPolicy:
    case GK.rateLimit:
      add(res.spec.targetRef, ['spec', 'targetRef', 'name']);
      break;
    case GK.serverAuthorization: {
      const name = str(get(res.spec, 'server', 'name'));
      if (name) out.push({ gk: GK.server, kind: 'Server', name, namespace: res.namespace, path: ['spec', 'server', 'name'] });
      break;
    }
    default:
      // routes attached to a Server
      objs(res.spec.parentRefs).forEach((p, i) => {
        const name = str(p.name);
        if (name && parentIsServer(res, p)) out.push({ gk: GK.server, kind: 'Server', name, namespace: str(p.namespace) ?? res.namespace, path: ['spec', 'parentRefs', i, 'name'] });
      });
  }
  return out;
}

export const policyTargetNotFound: Rule = {
  id: 'linkerd/policy-target-not-found',
  severity: 'error',
  kinds: [GK.authorizationPolicy, GK.serverAuthorization, GK.rateLimit, GK.policyHttpRoute, GK.gatewayHttpRoute, GK.grpcRoute],
  needsWorkspace: [GK.server, GK.policyHttpRoute, GK.gatewayHttpRoute, GK.grpcRoute],
  doc: {
    summary: 'An AuthorizationPolicy, ServerAuthorization, HTTPLocalRateLimitPolicy or route points to a Server, HTTPRoute or GRPCRoute that its namespace does not define (checked in namespaces that hold resources of that kind in the workspace).',
    why: 'Linkerd attaches nothing when the target does not exist, so the authorization (or route) has no effect, and the Server it was meant for keeps denying traffic.',
    fix: 'Point the reference at an existing resource in the same namespace (names are case-sensitive), or add the missing resource.',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const ref of refsOf(res)) {
      // judge only namespaces that hold resources of that kind in the workspace (others may live elsewhere)
      const names = ctx.index.of(ref.gk).filter((r) => r.namespace === ref.namespace).map((r) => r.name);
      if (!names.length || names.includes(ref.name)) continue;
      const best = suggest(ref.name, names, 1)[0];
      const fix = best ? replaceValue(res, ref.path, best, `Change to ${best}`) : undefined;
      ctx.report(res, {
        path: ref.path,
        on: 'value',
        message: `No ${ref.kind} "${ref.name}" in namespace "${ref.namespace}" in the workspace.${best ? ` Did you mean "${best}"?` : ''}`,
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};
