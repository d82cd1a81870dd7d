import { objs, str, type Resource } from '../../workspace';
import { replaceValue, setField } from '../fixes';
import type { Fix, Rule, RuleContext } from '../types';
import { GK, linkerdReadsRoute, parentGroupKind, POLICY, ROUTE_KINDS } from './util';

export const routeParentRefInvalid: Rule = {
  id: 'linkerd/route-parent-ref-invalid',
  severity: 'error',
  kinds: ROUTE_KINDS,
  doc: {
    summary: 'A route read by Linkerd has a parentRef whose group does not match its kind (a `kind: Service` without `group: ""`), or a policy.linkerd.io HTTPRoute attaches to something other than a Server, Service or EgressNetwork.',
    why: 'A parentRef without a group gets the route\'s own API group (gateway.networking.k8s.io or policy.linkerd.io), so `kind: Service` then names a Service that cannot exist and Linkerd never attaches the route. Linkerd only attaches policy.linkerd.io HTTPRoutes to Servers, Services and EgressNetworks.',
    fix: 'Write `group: ""` (core) for a Service parent and `group: policy.linkerd.io` for a Server or EgressNetwork parent.',
  },
  check(ctx: RuleContext, res: Resource) {
    if (!linkerdReadsRoute(ctx.index, res)) return;
    objs(res.spec.parentRefs).forEach((p, i) => {
      const base = ['spec', 'parentRefs', i];
      const { group, kind } = parentGroupKind(res, p);
      const k = kind.toLowerCase();
      let want: string | undefined;
      if (k === 'service' && group !== '' && group !== 'core') want = '';
      else if ((k === 'server' || k === 'egressnetwork') && group !== POLICY) want = POLICY;
      if (want !== undefined) {
        const text = want === '' ? '""' : want;
        const fix: Fix | undefined = p.group !== undefined ? replaceValue(res, [...base, 'group'], text, `Set group to ${text}`) : setField(res, base, 'group', text, `Add group: ${text}`);
        ctx.report(res, {
          path: p.group !== undefined ? [...base, 'group'] : [...base, 'kind'],
          on: 'value',
          message: `This parentRef names a ${kind} of group "${group}"${p.group === undefined ? ' (a missing group means the route\'s own API group)' : ''}, which does not exist, so Linkerd never attaches the route. Use group ${text}.`,
          fixes: fix ? [fix] : undefined,
        });
        return;
      }
      if (res.gk === GK.policyHttpRoute && !['service', 'server', 'egressnetwork'].includes(k)) {
        const name = str(p.name);
        const server = p.kind === undefined && name && ctx.index.find(GK.server, str(p.namespace) ?? res.namespace, name);
        const fix = server ? setField(res, base, 'kind', 'Server', 'Add kind: Server') : undefined;
        ctx.report(res, {
          fixes: fix ? [fix] : undefined,
          path: p.kind !== undefined ? [...base, 'kind'] : base,
          on: 'value',
          severity: 'warning',
          message: `Linkerd attaches policy.linkerd.io HTTPRoutes only to Servers, Services and EgressNetworks, not to a ${kind}${p.kind === undefined ? ' (the default kind)' : ''}${name ? ` ("${name}")` : ''}.${server ? ' Did you mean kind: Server?' : ''}`,
        });
      }
    });
  },
};
