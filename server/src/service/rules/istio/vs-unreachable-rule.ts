import type { Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { routeCoverage } from './route-coverage';
import { GK } from './util';

export const vsUnreachableRule: Rule = {
  id: 'istio/vs-unreachable-rule',
  code: 'IST0130',
  severity: 'warning',
  kinds: [GK.vs],
  doc: {
    summary: 'A VirtualService http/tcp/tls rule can never match: an earlier rule has no match conditions (catches everything), or earlier rules already match every request this one matches.',
    why: 'Rules are evaluated in order and the first match wins, so the shadowed rule (its route, retries, faults, rewrites) is dead configuration, usually a rule placed after a catch-all.',
    fix: 'Move the more specific rule before the broader one, or remove it.',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const u of routeCoverage(res).unreachable) {
      ctx.report(res, { path: u.path, message: `${u.section.toUpperCase()} rule ${u.label} is never used: ${u.reason}.` });
    }
  },
};
