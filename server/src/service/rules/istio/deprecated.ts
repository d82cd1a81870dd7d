import type { Fix, PathSeg } from '../../model';
import { arr, get, isObj, num, str, type Obj, type Resource } from '../../workspace';
import { renameKey, replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { combine, GK } from './util';

/** Istio kinds whose CRDs were removed (rbac.istio.io, authentication.istio.io v1alpha1 policies, Mixer config). */
const REMOVED_KINDS: Record<string, string> = {
  'rbac.istio.io/ClusterRbacConfig': 'use security.istio.io AuthorizationPolicy',
  'rbac.istio.io/RbacConfig': 'use security.istio.io AuthorizationPolicy',
  'rbac.istio.io/ServiceRole': 'use security.istio.io AuthorizationPolicy',
  'rbac.istio.io/ServiceRoleBinding': 'use security.istio.io AuthorizationPolicy',
  'authentication.istio.io/Policy': 'use security.istio.io PeerAuthentication and RequestAuthentication',
  'authentication.istio.io/MeshPolicy': 'use a security.istio.io PeerAuthentication in the root namespace',
};
const REMOVED_GROUPS: Record<string, string> = {
  'config.istio.io': 'Mixer was removed in Istio 1.8; use Telemetry, AuthorizationPolicy or Wasm plugins',
  'rbac.istio.io': 'use security.istio.io AuthorizationPolicy',
};

function removedAdvice(group: string, kind: string): string | undefined {
  return REMOVED_KINDS[`${group}/${kind}`] ?? REMOVED_GROUPS[group];
}

/** Replaces `old: N` by `replacement: {value: N}` when the replacement is not already set. */
function percentFix(res: Resource, parent: PathSeg[], parentObj: Obj, old: string, replacement: string, value: number): Fix | undefined {
  if (parentObj[replacement] !== undefined) return undefined;
  return combine(
    `Use ${replacement}: {value: ${value}}`,
    renameKey(res, [...parent, old], replacement, ''),
    replaceValue(res, [...parent, old], `{value: ${value}}`, ''),
  );
}

export const deprecated: Rule = {
  id: 'istio/deprecated',
  code: 'IST0002',
  severity: 'warning',
  kinds: ['*'],
  doc: {
    summary:
      'Deprecated or removed Istio configuration: VirtualService `fault.delay.percent` and `mirror_percent`, Sidecar `outboundTrafficPolicy.egressProxy`, and kinds whose CRDs Istio removed (rbac.istio.io, authentication.istio.io Policy/MeshPolicy, Mixer config.istio.io).',
    why: 'Deprecated fields are ignored or dropped by newer Istio releases, and removed kinds are no longer served: the configuration silently stops having an effect.',
    fix: 'Use the replacement: `fault.delay.percentage.value`, `mirrorPercentage.value`, security.istio.io policies, Telemetry; drop `egressProxy` (it is ignored).',
  },
  check(ctx: RuleContext, res: Resource) {
    if (res.gk === 'apiextensions.k8s.io/CustomResourceDefinition') {
      const group = str(res.spec.group) ?? '';
      const kind = str(get(res.spec, 'names', 'kind')) ?? '';
      const advice = removedAdvice(group, kind);
      if (advice) ctx.report(res, { path: ['spec', 'group'], on: 'value', message: `Custom resource type ${group} ${kind} has been removed from Istio; ${advice}.` });
      return;
    }
    const advice = removedAdvice(res.group, res.kind);
    if (advice) {
      ctx.report(res, { path: ['kind'], on: 'value', message: `${res.group}/${res.kind} is a removed Istio kind and has no effect; ${advice}.` });
      return;
    }
    if (res.gk === GK.vs) {
      arr(res.spec.http).forEach((route, i) => {
        if (!isObj(route)) return;
        const delay = get(route, 'fault', 'delay');
        const percent = isObj(delay) ? num(delay.percent) : undefined;
        if (isObj(delay) && percent !== undefined && percent > 0) {
          const parent: PathSeg[] = ['spec', 'http', i, 'fault', 'delay'];
          const fix = percentFix(res, parent, delay, 'percent', 'percentage', percent);
          ctx.report(res, {
            path: [...parent, 'percent'],
            message: 'fault.delay.percent is deprecated; use fault.delay.percentage.value (a double, so fractions of a percent work).',
            fixes: fix ? [fix] : undefined,
          });
        }
        // `mirrorPercent` is reported as IST0133 by istio/validation-warning (as istiod's webhook does); the snake_case
        // spelling of the same deprecated field is reported here
        for (const key of ['mirror_percent']) {
          const v = num(route[key]);
          if (route[key] === undefined || route[key] === null) continue;
          const parent: PathSeg[] = ['spec', 'http', i];
          const fix = v !== undefined ? percentFix(res, parent, route, key, 'mirrorPercentage', v) : undefined;
          ctx.report(res, {
            path: [...parent, key],
            message: `${key} is deprecated; use mirrorPercentage.value.`,
            fixes: fix ? [fix] : undefined,
          });
        }
      });
    } else if (res.gk === GK.sidecar) {
      if (get(res.spec, 'outboundTrafficPolicy', 'egressProxy') !== undefined) {
        ctx.report(res, {
          path: ['spec', 'outboundTrafficPolicy', 'egressProxy'],
          message: 'outboundTrafficPolicy.egressProxy is deprecated and ignored by Istio; route external traffic through an egress gateway with a VirtualService instead.',
        });
      }
    }
  },
};
