import { arr, objs, str, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { canonicalKind, GK, refIs } from './util';

const DNS_LIKE = /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why an identity is not a valid SPIFFE ID or DNS-like name, or undefined when it is valid. */
export function identityProblem(id: string): string | undefined {
  if (id.startsWith('spiffe://')) {
    const rest = id.slice('spiffe://'.length);
    const slash = rest.indexOf('/');
    const td = slash < 0 ? rest : rest.slice(0, slash);
    if (!td) return 'the SPIFFE trust domain is empty';
    if (!/^[a-z0-9._-]+$/.test(td)) return 'the SPIFFE trust domain may only hold lower-case letters, digits, ".", "-" and "_"';
    if (slash < 0) return undefined;
    const path = rest.slice(slash);
    if (path.endsWith('/')) return 'a SPIFFE ID may not end with "/"';
    for (const seg of path.slice(1).split('/')) {
      if (seg === '') return 'a SPIFFE ID path may not have empty segments';
      if (seg === '.' || seg === '..') return 'a SPIFFE ID path may not have "." or ".." segments';
      if (!/^[A-Za-z0-9._-]+$/.test(seg)) return 'a SPIFFE ID path may only hold letters, digits, ".", "-" and "_"';
    }
    return undefined;
  }
  if (DNS_LIKE.test(id)) return undefined;
  return 'it is neither a SPIFFE ID (spiffe://…) nor a lower-case DNS-like name such as "web.emojivoto.serviceaccount.identity.linkerd.cluster.local" or "*"';
}

export const meshTlsAuthenticationInvalid: Rule = {
  id: 'linkerd/meshtls-authentication-invalid',
  severity: 'error',
  kinds: [GK.meshTls],
  doc: {
    summary: 'A MeshTLSAuthentication lists an identity that is not a SPIFFE ID or DNS-like name, or an identityRef that is not a ServiceAccount or Namespace.',
    why: "Linkerd's policy admission webhook rejects the resource, so the policies that require it authorize nothing.",
    fix: 'Write identities as `<sa>.<ns>.serviceaccount.identity.linkerd.<trust-domain>` (or `*`), or refer to ServiceAccounts and Namespaces through identityRefs (a Namespace ref has no namespace).',
  },
  check(ctx: RuleContext, res: Resource) {
    arr(res.spec.identities).forEach((v, i) => {
      const id = str(v);
      if (id === undefined) return;
      const why = identityProblem(id);
      if (why) ctx.report(res, { path: ['spec', 'identities', i], on: 'value', message: `Identity "${id}" is invalid: ${why}.` });
    });
    objs(res.spec.identityRefs).forEach((r, i) => {
      const base = ['spec', 'identityRefs', i];
      if (refIs(r, '', 'ServiceAccount')) {
        if (!str(r.name)) ctx.report(res, { path: base, message: 'A ServiceAccount identityRef needs a name.' });
        return;
      }
      if (refIs(r, '', 'Namespace')) {
        if (r.namespace !== undefined) ctx.report(res, { path: [...base, 'namespace'], message: 'A Namespace identityRef is cluster-scoped and cannot have a namespace; name the namespace in `name` instead.' });
        return;
      }
      if (!str(r.kind)) return;
      ctx.report(res, { path: [...base, 'kind'], on: 'value', message: `Linkerd does not support "${canonicalKind(r)}" as an identityRef: use ServiceAccount or Namespace (core group).` });
    });
  },
};
