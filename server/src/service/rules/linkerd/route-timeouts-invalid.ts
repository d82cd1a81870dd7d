import { isObj, objs, str, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, goDurationMs } from './util';

export const routeTimeoutsInvalid: Rule = {
  id: 'linkerd/route-timeouts-invalid',
  severity: 'error',
  kinds: [GK.policyHttpRoute],
  doc: {
    summary: 'A policy.linkerd.io HTTPRoute rule has a negative timeout, or a backendRequest timeout longer than the request timeout.',
    why: "Linkerd's policy admission webhook rejects the route: a backend request can never outlive the request it serves.",
    fix: 'Use positive durations and keep `backendRequest` at most `request`.',
  },
  check(ctx: RuleContext, res: Resource) {
    objs(res.spec.rules).forEach((rule, i) => {
      const t = rule.timeouts;
      if (!isObj(t)) return;
      const base = ['spec', 'rules', i, 'timeouts'];
      const req = str(t.request);
      const back = str(t.backendRequest);
      const reqMs = req !== undefined ? goDurationMs(req) : undefined;
      const backMs = back !== undefined ? goDurationMs(back) : undefined;
      if (reqMs !== undefined && reqMs < 0) ctx.report(res, { path: [...base, 'request'], on: 'value', message: `The request timeout "${req}" must not be negative.` });
      if (backMs !== undefined && backMs < 0) ctx.report(res, { path: [...base, 'backendRequest'], on: 'value', message: `The backendRequest timeout "${back}" must not be negative.` });
      if (reqMs !== undefined && backMs !== undefined && reqMs > 0 && backMs > reqMs) {
        ctx.report(res, {
          path: [...base, 'backendRequest'],
          on: 'value',
          message: `The backendRequest timeout (${back}) must not be longer than the request timeout (${req}).`,
        });
      }
    });
  },
};
