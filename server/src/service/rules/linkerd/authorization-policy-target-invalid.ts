import { isObj, str, type Resource } from '../../workspace';
import { replaceValue, setField } from '../fixes';
import type { Fix, Rule, RuleContext } from '../types';
import { canonicalKind, GATEWAY, GK, POLICY, refGroup, refIs } from './util';

/** Kinds an AuthorizationPolicy may target, as `group/Kind` with the core group empty. */
const TARGETS: Array<[string, string]> = [
  [POLICY, 'Server'],
  [POLICY, 'HTTPRoute'],
  [GATEWAY, 'HTTPRoute'],
  [GATEWAY, 'GRPCRoute'],
  ['', 'Namespace'],
];

export const authorizationPolicyTargetInvalid: Rule = {
  id: 'linkerd/authorization-policy-target-invalid',
  severity: 'error',
  kinds: [GK.authorizationPolicy],
  doc: {
    summary: 'An AuthorizationPolicy targets a kind Linkerd does not support, a kind without its API group, or another namespace.',
    why: "Linkerd's policy admission webhook rejects the policy (\"invalid targetRef kind\" / \"cannot target another namespace\"); a policy that never lands authorizes nothing.",
    fix: 'Target a Server or HTTPRoute (group policy.linkerd.io), a Gateway API HTTPRoute or GRPCRoute (group gateway.networking.k8s.io), or the policy\'s own Namespace.',
  },
  check(ctx: RuleContext, res: Resource) {
    const t = res.spec.targetRef;
    if (!isObj(t)) return;
    const kind = str(t.kind);
    if (!kind) return;
    const base = ['spec', 'targetRef'];
    if (TARGETS.some(([g, k]) => refIs(t, g, k))) {
      if (refIs(t, '', 'Namespace')) {
        const name = str(t.name);
        if (name !== undefined && name !== res.namespace) {
          const fix = replaceValue(res, [...base, 'name'], res.namespace, `Target this policy's namespace "${res.namespace}"`);
          ctx.report(res, {
            path: [...base, 'name'],
            on: 'value',
            message: `An AuthorizationPolicy can only target its own namespace ("${res.namespace}"), not "${name}".`,
            fixes: fix ? [fix] : undefined,
          });
        }
      }
      return;
    }
    // The right kind without its group: Linkerd reads a missing group as the core group.
    const sameKind = TARGETS.filter(([g, k]) => g !== '' && k.toLowerCase() === kind.toLowerCase());
    if (sameKind.length && refGroup(t.group) === '') {
      const groups = [...new Set(sameKind.map(([g]) => g))];
      // prefer the group of a resource of that name that exists
      const name = str(t.name) ?? '';
      groups.sort((a, b) => Number(!!ctx.index.find(`${b}/${sameKind[0][1]}`, res.namespace, name)) - Number(!!ctx.index.find(`${a}/${sameKind[0][1]}`, res.namespace, name)));
      const fixes = groups
        .map((g) => (t.group !== undefined ? replaceValue(res, [...base, 'group'], g, `Set group to ${g}`) : setField(res, base, 'group', g, `Add group ${g}`)))
        .filter((f): f is Fix => !!f);
      ctx.report(res, {
        path: t.group !== undefined ? [...base, 'group'] : [...base, 'kind'],
        on: 'value',
        message: `targetRef kind "${kind}" needs group ${groups.join(' or ')}: without a group Linkerd looks for a core ${kind} and rejects the policy.`,
        fixes,
      });
      return;
    }
    ctx.report(res, {
      path: [...base, 'kind'],
      on: 'value',
      message: `Linkerd does not support "${canonicalKind(t)}" as an AuthorizationPolicy target. Use a Server, HTTPRoute, GRPCRoute or the policy's Namespace.`,
    });
  },
};
