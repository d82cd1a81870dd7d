import { objs, str, type Resource } from '../../workspace';
import { replaceValue, setField } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { canonicalKind, GK, POLICY, refGroup, refIs } from './util';

export const authorizationPolicyAuthenticationInvalid: Rule = {
  id: 'linkerd/authorization-policy-authentication-invalid',
  severity: 'error',
  kinds: [GK.authorizationPolicy],
  doc: {
    summary: 'requiredAuthenticationRefs lists an unsupported kind, or more than one MeshTLSAuthentication, ServiceAccount or NetworkAuthentication, or a MeshTLSAuthentication together with a ServiceAccount.',
    why: "Linkerd's policy admission webhook rejects such an AuthorizationPolicy, so it never authorizes anything.",
    fix: 'Keep at most one identity reference (a MeshTLSAuthentication or a ServiceAccount) and at most one NetworkAuthentication; use group policy.linkerd.io for the authentication kinds.',
  },
  check(ctx: RuleContext, res: Resource) {
    const refs = objs(res.spec.requiredAuthenticationRefs);
    const base = ['spec', 'requiredAuthenticationRefs'];
    const idx = { mtls: [] as number[], sa: [] as number[], net: [] as number[] };
    refs.forEach((r, i) => {
      if (refIs(r, POLICY, 'MeshTLSAuthentication')) idx.mtls.push(i);
      else if (refIs(r, POLICY, 'NetworkAuthentication')) idx.net.push(i);
      else if (refIs(r, '', 'ServiceAccount')) idx.sa.push(i);
      else {
        const kind = str(r.kind);
        if (!kind) return;
        const needsGroup = ['meshtlsauthentication', 'networkauthentication'].includes(kind.toLowerCase()) && refGroup(r.group) === '';
        if (needsGroup) {
          const fix = r.group !== undefined ? replaceValue(res, [...base, i, 'group'], POLICY, `Set group to ${POLICY}`) : setField(res, [...base, i], 'group', POLICY, `Add group ${POLICY}`);
          ctx.report(res, {
            path: [...base, i, r.group !== undefined ? 'group' : 'kind'],
            on: 'value',
            message: `${kind} needs group ${POLICY}: without a group Linkerd looks for a core ${kind} and rejects the policy.`,
            fixes: fix ? [fix] : undefined,
          });
        } else {
          ctx.report(res, {
            path: [...base, i, 'kind'],
            on: 'value',
            message: `Linkerd does not support "${canonicalKind(r)}" as an authentication: use MeshTLSAuthentication, NetworkAuthentication (group ${POLICY}) or ServiceAccount.`,
          });
        }
      }
    });
    for (const i of idx.mtls.slice(1)) ctx.report(res, { path: [...base, i], message: 'Only one MeshTLSAuthentication may be listed; Linkerd rejects the policy.' });
    for (const i of idx.sa.slice(1)) ctx.report(res, { path: [...base, i], message: 'Only one ServiceAccount may be listed; Linkerd rejects the policy.' });
    for (const i of idx.net.slice(1)) ctx.report(res, { path: [...base, i], message: 'Only one NetworkAuthentication may be listed; Linkerd rejects the policy.' });
    if (idx.mtls.length && idx.sa.length) {
      const i = Math.max(idx.mtls[0], idx.sa[0]);
      ctx.report(res, { path: [...base, i], message: 'A MeshTLSAuthentication and a ServiceAccount may not be listed together; Linkerd rejects the policy. Put the ServiceAccount in the MeshTLSAuthentication\'s identityRefs.' });
    }
  },
};
