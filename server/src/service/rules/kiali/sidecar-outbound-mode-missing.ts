import { isObj, type Resource } from '../../workspace';
import { replaceValue, setField } from '../fixes';
import type { Fix } from '../../model';
import type { Rule, RuleContext } from '../types';
import { GK } from './util';

export const sidecarOutboundModeMissing: Rule = {
  id: 'kiali/sidecar-outbound-mode-missing',
  code: 'KIA1007',
  severity: 'info',
  kinds: [GK.sidecar],
  doc: {
    summary: 'A Sidecar sets `outboundTrafficPolicy` without a `mode`.',
    why: 'The mode then takes the API\'s zero value, REGISTRY_ONLY, and not the mesh default (usually ALLOW_ANY) a reader expects from an empty block: calls to hosts outside the registry are blocked. Kiali reports it because the two cannot be told apart once stored.',
    fix: 'Write the mode explicitly: `REGISTRY_ONLY` keeps today\'s behaviour, `ALLOW_ANY` lets unknown hosts through.',
  },
  check(ctx: RuleContext, res: Resource) {
    const policy = res.spec.outboundTrafficPolicy;
    if (!isObj(policy) || policy.mode !== undefined) return;
    const path = ['spec', 'outboundTrafficPolicy'];
    const empty = !Object.keys(policy).length;
    const set = (mode: string, title: string) => setField(res, path, 'mode', mode, title) ?? (empty ? replaceValue(res, path, `{mode: ${mode}}`, title) : undefined);
    const fixes = [
      set('REGISTRY_ONLY', 'Set mode: REGISTRY_ONLY (what Istio applies now)'),
      set('ALLOW_ANY', 'Set mode: ALLOW_ANY (allow hosts outside the registry)'),
    ].filter((f): f is Fix => !!f);
    if (fixes.length) fixes[0].preferred = true;
    ctx.report(res, {
      path,
      message: 'outboundTrafficPolicy has no mode, so Istio applies REGISTRY_ONLY (the API default), not the mesh-wide default: traffic to hosts outside the service registry is blocked. Write the mode explicitly.',
      fixes: fixes.length ? fixes : undefined,
    });
  },
};
