import type { PathSeg } from '../../model';
import { suggest } from '../../text';
import { get, isObj, objs, str, type Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, POLICY, refIs } from './util';

interface Ref {
  gk: string;
  kind: string;
  name: string;
  namespace: string;
  path: PathSeg[];
}

function refsOf(res: Resource): Ref[] {
  const out: Ref[] = [];
  const push = (gk: string, kind: string, r: Record<string, unknown>, path: PathSeg[]): void => {
    const name = str(r.name);
    if (name) out.push({ gk, kind, name, namespace: str(r.namespace) ?? res.namespace, path: [...path, 'name'] });
  };
  if (res.gk === GK.authorizationPolicy) {
    objs(res.spec.requiredAuthenticationRefs).forEach((r, i) => {
      const path = ['spec', 'requiredAuthenticationRefs', i];
      if (refIs(r, POLICY, 'MeshTLSAuthentication')) push(GK.meshTls, 'MeshTLSAuthentication', r, path);
      else if (refIs(r, POLICY, 'NetworkAuthentication')) push(GK.networkAuthn, 'NetworkAuthentication', r, path);
      else if (refIs(r, '', 'ServiceAccount')) push(GK.serviceAccount, 'ServiceAccount', r, path);
    });
  } else if (res.gk === GK.meshTls) {
    objs(res.spec.identityRefs).forEach((r, i) => {
      if (refIs(r, '', 'ServiceAccount')) push(GK.serviceAccount, 'ServiceAccount', r, ['spec', 'identityRefs', i]);
    });
  } else if (res.gk === GK.serverAuthorization) {
    const mtls = get(res.spec, 'client', 'meshTLS');
    if (isObj(mtls)) objs(mtls.serviceAccounts).forEach((r, i) => push(GK.serviceAccount, 'ServiceAccount', r, ['spec', 'client', 'meshTLS', 'serviceAccounts', i]));
  }
  return out;
}

export const authenticationRefNotFound: Rule = {
  id: 'linkerd/authentication-ref-not-found',
  severity: 'error',
  kinds: [GK.authorizationPolicy, GK.meshTls, GK.serverAuthorization],
  needsWorkspace: [GK.meshTls, GK.networkAuthn, GK.serviceAccount],
  doc: {
    summary: 'An AuthorizationPolicy requires a MeshTLSAuthentication, NetworkAuthentication or ServiceAccount the workspace does not define (checked in namespaces that hold resources of that kind in the workspace).',
    why: 'An authorization whose authentication does not exist matches no client, so traffic stays denied.',
    fix: 'Point the reference at an existing resource (same namespace unless `namespace` is given), or add the missing resource.',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const ref of refsOf(res)) {
      const inNs = ctx.index.of(ref.gk).filter((r) => r.namespace === ref.namespace);
      // judge only namespaces that hold resources of that kind in the workspace; every namespace has a "default" ServiceAccount
      if (!inNs.length || (ref.gk === GK.serviceAccount && ref.name === 'default')) continue;
      if (inNs.some((r) => r.name === ref.name)) continue;
      const best = suggest(ref.name, inNs.map((r) => r.name), 1)[0];
      const fix = best ? replaceValue(res, ref.path, best, `Change to ${best}`) : undefined;
      ctx.report(res, {
        path: ref.path,
        on: 'value',
        message: `No ${ref.kind} "${ref.name}" in namespace "${ref.namespace}" in the workspace, so this authentication matches no client.${best ? ` Did you mean "${best}"?` : ''}`,
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};
