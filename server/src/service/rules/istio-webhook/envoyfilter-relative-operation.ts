import { num, type Resource } from '../../workspace';
import { setField } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { relativeOpsWithProxyVersion } from '../istio/envoyfilter-relative-op-proxy-version';
import { isRelative, patches } from './lib/envoyfilter-patches';

export const envoyFilterRelativeOperation: Rule = {
  id: 'istio/envoyfilter-relative-operation',
  code: 'IST0151',
  severity: 'warning',
  kinds: ['networking.istio.io/EnvoyFilter'],
  doc: {
    summary: 'An EnvoyFilter patch uses an operation that depends on the order of patches (INSERT_BEFORE, INSERT_AFTER, MERGE, REPLACE, REMOVE) but the EnvoyFilter sets no priority.',
    why: 'Without a priority, EnvoyFilters are applied by creation time, so the result of relative operations can change when filters are re-created or another EnvoyFilter is added.',
    fix: 'Set spec.priority to make the order explicit (a quick fix sets priority: 10).',
  },
  check(ctx: RuleContext, res: Resource) {
    if ((num(res.spec.priority) ?? 0) !== 0) return;
    // patches on a filter that another EnvoyFilter targets per proxyVersion are IST0155's (istioctl reports one or the other)
    const versioned = relativeOpsWithProxyVersion(ctx.index, res);
    for (const p of patches(res)) {
      if (!isRelative(p) || versioned.has(p.path[2] as number)) continue;
      const fix = setField(res, ['spec'], 'priority', '10', 'Set priority: 10');
      ctx.report(res, {
        path: [...p.path, 'patch', 'operation'],
        on: 'value',
        message: `${p.operation} depends on the order in which patches are applied, but this EnvoyFilter has no priority: its effect can change when other EnvoyFilters are added or re-created. Set spec.priority.`,
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};
