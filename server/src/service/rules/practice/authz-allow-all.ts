import { arr, isObj, str, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { AP } from './util';

export const authzAllowAll: Rule = {
  id: 'practice/authz-allow-all',
  severity: 'warning',
  kinds: [AP],
  doc: {
    summary: 'An ALLOW AuthorizationPolicy has an empty rule (`rules: [{}]`), which matches every request.',
    why: 'An empty rule allows all traffic to the selected workloads (or the whole namespace), from any source, silently overriding a default-deny policy.',
    fix: 'Say who is allowed (from.source principals/namespaces) and to what (to.operation), or delete the policy if allowing everything is not intended.',
  },
  check(ctx: RuleContext, res: Resource) {
    const action = str(res.spec.action) ?? 'ALLOW';
    if (action !== 'ALLOW' || res.spec.provider !== undefined) return;
    arr(res.spec.rules).forEach((rule, i) => {
      if (!isObj(rule) || Object.keys(rule).length > 0) return;
      const scope = isObj(res.spec.selector) || res.spec.targetRef !== undefined || res.spec.targetRefs !== undefined ? 'the selected workloads' : `every workload of namespace "${res.namespace}"`;
      ctx.report(res, {
        path: ['spec', 'rules', i],
        message: `This rule is empty, so it matches every request: the policy allows all traffic to ${scope} from anyone.`,
      });
    });
  },
};

export const authzDenyNothing: Rule = {
  id: 'practice/authz-deny-nothing',
  severity: 'warning',
  kinds: [AP],
  doc: {
    summary: 'A DENY AuthorizationPolicy has no rules.',
    why: 'In Istio a DENY policy without rules matches no request, so it denies nothing (unlike an ALLOW policy without rules, which allows nothing). "Deny everything" is written as `rules: [{}]` or as an ALLOW policy with no rules.',
    fix: 'Add the rules that describe what to deny, or, for a default-deny, use an ALLOW policy with no rules (`spec: {}`).',
  },
  check(ctx: RuleContext, res: Resource) {
    if (str(res.spec.action) !== 'DENY') return;
    if (arr(res.spec.rules).length > 0) return;
    ctx.report(res, {
      path: ['spec', 'action'],
      on: 'value',
      message: 'A DENY policy with no rules matches no request, so it denies nothing. For "deny everything" write `rules: [{}]`, or use an ALLOW policy with no rules.',
    });
  },
};
