import { arr, get, isObj, objs, str, stringMap, strings, type Obj, type Resource, type WorkspaceIndex } from '../../workspace';
import { meshSettings } from '../kiali/util';
import type { Rule, RuleContext } from '../types';
import { AP, RA } from './util';


/** Does an AuthorizationPolicy require a request principal (a valid JWT) for the requests it covers? */
function requiresPrincipal(ap: Resource): boolean {
  const action = str(ap.spec.action) ?? 'ALLOW';
  const rules = objs(ap.spec.rules);
  const sources = (r: Obj): Obj[] => objs(r.from).map((f) => (isObj(f.source) ? f.source : {}));
  const claimCondition = (r: Obj): boolean => objs(r.when).some((w) => (str(w.key) ?? '').startsWith('request.auth.'));
  if (action === 'ALLOW') return rules.length > 0 && rules.every((r) => sources(r).some((s) => arr(s.requestPrincipals).length > 0) || claimCondition(r));
  if (action === 'DENY') return rules.some((r) => sources(r).some((s) => strings(s.notRequestPrincipals).includes('*')));
  return false;
}

/** Target labels of a policy: selector.matchLabels, or undefined for namespace-wide; targetRefs as a key. */
function scope(res: Resource): { labels?: Record<string, string>; targets: string[] } {
  const targets = [...objs(res.spec.targetRefs), ...(isObj(res.spec.targetRef) ? [res.spec.targetRef] : [])].map((t) => `${str(t.kind) ?? ''}/${str(t.name) ?? ''}`);
  const sel = get(res.spec, 'selector', 'matchLabels');
  return { labels: isObj(sel) ? stringMap(sel) : undefined, targets };
}

/** Does the AuthorizationPolicy apply to (some of) the workloads the RequestAuthentication covers? */
function covers(index: WorkspaceIndex, ap: Resource, ra: Resource): boolean {
  if (ap.namespace !== ra.namespace && ap.namespace !== meshSettings(index).rootNamespace) return false;
  const a = scope(ap);
  const r = scope(ra);
  if (a.targets.length || r.targets.length) return a.targets.some((t) => r.targets.includes(t)) || (!a.labels && !a.targets.length);
  if (!a.labels) return true; // namespace-wide (or mesh-wide)
  if (!r.labels) return false; // a workload policy covers only part of a namespace-wide RequestAuthentication
  if (Object.entries(a.labels).every(([k, v]) => r.labels![k] === v)) return true;
  // label sets differ: do they select a common workload in the workspace?
  return index.workloadsMatching(ra.namespace, r.labels).some((w) => Object.entries(a.labels!).every(([k, v]) => w.labels[k] === v));
}

export const jwtNotEnforced: Rule = {
  id: 'practice/jwt-not-enforced',
  severity: 'warning',
  kinds: [RA],
  doc: {
    summary: 'A RequestAuthentication has no AuthorizationPolicy requiring a request principal for the same workloads (reported as info when the workspace holds no AuthorizationPolicy at all).',
    why: 'A RequestAuthentication only rejects requests carrying an invalid token: requests without any token pass through unauthenticated unless an AuthorizationPolicy requires `requestPrincipals`.',
    fix: 'Add an ALLOW AuthorizationPolicy with `from: [{source: {requestPrincipals: ["*"]}}]` (or a DENY policy with `notRequestPrincipals: ["*"]`) for the same workloads.',
  },
  check(ctx: RuleContext, res: Resource) {
    const aps = ctx.index.of(AP);
    if (aps.some((ap) => requiresPrincipal(ap) && covers(ctx.index, ap, res))) return;
    ctx.report(res, {
      path: ['metadata', 'name'],
      on: 'value',
      severity: aps.length ? 'warning' : 'info',
      message: 'No AuthorizationPolicy requires a request principal for these workloads, so requests without a JWT are let through: RequestAuthentication only rejects invalid tokens.',
    });
  },
};
