import { get, isObj, num, objs, str, type Resource } from '../../workspace';
import { setField } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { canonicalKind, GK, POLICY, refGroup, refIs } from './util';

export const rateLimitPolicyInvalid: Rule = {
  id: 'linkerd/ratelimit-policy-invalid',
  severity: 'error',
  kinds: [GK.rateLimit],
  doc: {
    summary: 'An HTTPLocalRateLimitPolicy targets something other than a Server, has a zero rate, a per-identity or override rate above the total, or an override client that is not a ServiceAccount.',
    why: "Linkerd's policy admission webhook rejects the policy, so no rate limit applies.",
    fix: 'Target a Server (group policy.linkerd.io); use rates above 0; keep identity and override rates at most the total; list ServiceAccounts as override clients.',
  },
  check(ctx: RuleContext, res: Resource) {
    const t = res.spec.targetRef;
    if (isObj(t) && str(t.kind) && !refIs(t, POLICY, 'Server')) {
      const missingGroup = (str(t.kind) ?? '').toLowerCase() === 'server' && refGroup(t.group) === '' && t.group === undefined;
      const fix = missingGroup ? setField(res, ['spec', 'targetRef'], 'group', POLICY, `Add group ${POLICY}`) : undefined;
      ctx.report(res, {
        path: ['spec', 'targetRef', 'kind'],
        on: 'value',
        message: missingGroup
          ? `targetRef kind Server needs group ${POLICY}: without a group Linkerd looks for a core Server and rejects the policy.`
          : `A rate limit policy can only target a Server (group ${POLICY}), not "${canonicalKind(t)}".`,
        fixes: fix ? [fix] : undefined,
      });
    }
    const total = num(get(res.spec, 'total', 'requestsPerSecond'));
    const identity = num(get(res.spec, 'identity', 'requestsPerSecond'));
    if (total === 0) ctx.report(res, { path: ['spec', 'total', 'requestsPerSecond'], on: 'value', message: 'total.requestsPerSecond must be greater than 0.' });
    if (identity === 0) ctx.report(res, { path: ['spec', 'identity', 'requestsPerSecond'], on: 'value', message: 'identity.requestsPerSecond must be greater than 0.' });
    if (total && identity && identity > total) {
      ctx.report(res, { path: ['spec', 'identity', 'requestsPerSecond'], on: 'value', message: `identity.requestsPerSecond (${identity}) must not exceed total.requestsPerSecond (${total}).` });
    }
    objs(res.spec.overrides).forEach((o, i) => {
      const rps = num(o.requestsPerSecond);
      const base = ['spec', 'overrides', i];
      if (rps === 0) ctx.report(res, { path: [...base, 'requestsPerSecond'], on: 'value', message: 'An override\'s requestsPerSecond must be greater than 0.' });
      else if (total && rps !== undefined && rps > total) {
        ctx.report(res, { path: [...base, 'requestsPerSecond'], on: 'value', message: `An override's requestsPerSecond (${rps}) must not exceed total.requestsPerSecond (${total}).` });
      }
      objs(o.clientRefs).forEach((c, j) => {
        if (str(c.kind) && !refIs(c, '', 'ServiceAccount')) {
          ctx.report(res, { path: [...base, 'clientRefs', j, 'kind'], on: 'value', message: `Override clients must be ServiceAccounts, not "${canonicalKind(c)}".` });
        }
      });
    });
  },
};
