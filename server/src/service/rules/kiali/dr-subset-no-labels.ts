import { isObj, str, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, indexed } from './util';

export const drSubsetNoLabels: Rule = {
  id: 'kiali/dr-subset-no-labels',
  code: 'KIA0209',
  severity: 'warning',
  kinds: [GK.dr],
  doc: {
    summary: 'A DestinationRule subset has no labels.',
    why: 'A subset without labels selects every endpoint of the host, so routing to it does not pick a version; usually the labels were forgotten. When another subset of the rule has labels the finding is shown as information only.',
    fix: 'Add the labels (e.g. `version: v1`) that identify the workloads of the subset.',
  },
  check(ctx: RuleContext, res: Resource) {
    const subsets = indexed(res.spec.subsets);
    const hasLabels = (s: Record<string, unknown>) => isObj(s.labels) && Object.keys(s.labels).length > 0;
    const anyLabelled = subsets.some(([s]) => hasLabels(s));
    for (const [s, i] of subsets) {
      if (hasLabels(s)) continue;
      ctx.report(res, {
        path: ['spec', 'subsets', i],
        message: `Subset ${str(s.name) ?? `#${i + 1}`} has no labels: it selects every endpoint of host ${str(res.spec.host) ?? '(unset)'}.`,
        severity: anyLabelled ? 'info' : undefined,
      });
    }
  },
};
