import type { Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { routeCoverage } from './route-coverage';
import { GK } from './util';

export const vsIneffectiveMatch: Rule = {
  id: 'istio/vs-ineffective-match',
  code: 'IST0131',
  severity: 'info',
  kinds: [GK.vs],
  doc: {
    summary: 'A match of a VirtualService rule duplicates (or is covered by) a match of an earlier rule, so it never selects this rule.',
    why: 'The first matching rule wins: requests this match describes are already taken by the earlier rule, so the condition only adds confusion.',
    fix: 'Remove the match, or move this rule before the earlier one if it was meant to take precedence.',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const m of routeCoverage(res).ineffective) {
      ctx.report(res, {
        path: m.path,
        message: `Match #${m.match} of ${m.section.toUpperCase()} rule ${m.label} never selects it: ${m.identical ? 'the same match' : 'a broader match'} in earlier rule ${m.by} already takes these requests.`,
      });
    }
  },
};
