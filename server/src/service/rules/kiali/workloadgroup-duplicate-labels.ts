import { get, isObj, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, andList, labelsKey, ref, same } from './util';

export const workloadgroupDuplicateLabels: Rule = {
  id: 'kiali/workloadgroup-duplicate-labels',
  code: 'KIA1702',
  severity: 'warning',
  kinds: [GK.wg],
  needsWorkspace: [GK.wg],
  doc: {
    summary: 'Several WorkloadGroups of one namespace give their workloads exactly the same labels.',
    why: 'The WorkloadEntries created from the groups cannot be told apart by label, so Services, DestinationRule subsets and policies select the VMs of both groups together.',
    fix: 'Give each WorkloadGroup a distinguishing label in `spec.metadata.labels` (e.g. its own `app` or `version`), or merge the groups.',
  },
  check(ctx: RuleContext, res: Resource) {
    const labels = get(res.spec, 'metadata', 'labels');
    if (!isObj(labels) || !Object.keys(labels).length) return;
    const key = labelsKey(labels);
    const dups = ctx.index.of(GK.wg).filter((o) => !same(o, res) && o.namespace === res.namespace && labelsKey(get(o.spec, 'metadata', 'labels')) === key);
    if (!dups.length) return;
    ctx.report(res, {
      path: ['spec', 'metadata', 'labels'],
      message: `${andList(dups.map(ref))} ${dups.length > 1 ? 'have' : 'has'} the same labels (${key}): their workloads cannot be told apart by label.`,
    });
  },
};
