import { str, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { ROUTE_KINDS } from './gateway-api';
import { GK, indexed } from './util';

/** Is there a ReferenceGrant in `toNs` letting `fromKind` routes of `fromNs` refer to Services? */
function granted(res: Resource, toNs: string, name: string, grants: Resource[]): boolean {
  return grants.some(
    (g) =>
      g.namespace === toNs &&
      indexed(g.spec.from).some(([f]) => str(f.group) === 'gateway.networking.k8s.io' && str(f.kind) === res.kind && str(f.namespace) === res.namespace) &&
      indexed(g.spec.to).some(([t]) => (str(t.group) ?? '') === '' && str(t.kind) === 'Service' && (str(t.name) === undefined || str(t.name) === name)),
  );
}

export const routeBackendNotFound: Rule = {
  id: 'kiali/route-backend-not-found',
  code: 'KIA1402',
  severity: 'error',
  kinds: ROUTE_KINDS,
  needsWorkspace: [GK.svc],
  doc: {
    summary: 'A Gateway API route refers to a Service (backendRef, or a GAMMA parentRef of kind Service) that is not in the workspace, or to a Service of another namespace without a ReferenceGrant allowing it.',
    why: 'A missing or not-permitted backend makes the route answer 500 for the requests it matches (status ResolvedRefs=False). Only reported when the workspace holds Services of the namespace referred to.',
    fix: 'Correct the Service name or namespace (the name is the Service\'s name, not a DNS name), create the Service, or add a ReferenceGrant in the Service\'s namespace.',
  },
  check(ctx: RuleContext, res: Resource) {
    const idx = ctx.index;
    const grants = idx.of(GK.refGrant);
    const check = (r: Record<string, unknown>, path: Array<string | number>, defaultKind: string | undefined, needsGrant: boolean) => {
      const kind = str(r.kind) ?? defaultKind;
      const group = str(r.group) ?? '';
      const name = str(r.name);
      if (kind !== 'Service' || group !== '' || !name) return;
      const ns = str(r.namespace) || res.namespace;
      if (!idx.of(GK.svc).some((s) => s.namespace === ns)) return;
      const svc = idx.find(GK.svc, ns, name);
      if (!svc) {
        const dns = name.includes('.');
        ctx.report(res, {
          path: [...path, 'name'],
          on: 'value',
          message: dns
            ? `Service name "${name}" looks like a DNS name: backendRefs take the Service's name (and its namespace in "namespace"), so no Service ${ns}/${name} exists.`
            : `Service ${ns}/${name} is not in the workspace: requests matched by this rule get an error.`,
        });
        return;
      }
      if (needsGrant && ns !== res.namespace && !granted(res, ns, name, grants)) {
        ctx.report(res, {
          path: [...path, 'name'],
          on: 'value',
          message: `Service ${ns}/${name} is in another namespace and no ReferenceGrant in ${ns} allows ${res.kind}s of namespace ${res.namespace} to refer to it.`,
        });
      }
    };
    for (const [p, i] of indexed(res.spec.parentRefs)) check(p, ['spec', 'parentRefs', i], undefined, false); // GAMMA: consumer routes need no grant
    for (const [rule, k] of indexed(res.spec.rules)) {
      for (const [b, i] of indexed(rule.backendRefs)) check(b, ['spec', 'rules', k, 'backendRefs', i], 'Service', true);
    }
  },
};
