import { setField } from '../fixes';
import type { Rule } from '../types';
import { linkerdNamespace, SYSTEM_NAMESPACES, usesIstio } from './lib/mesh';

export const namespaceNotInjected: Rule = {
  id: 'istio/namespace-not-injected',
  code: 'IST0102',
  severity: 'info',
  kinds: ['/Namespace'],
  doc: {
    summary: 'A Namespace has no istio-injection or istio.io/rev label (and is not in ambient mode), so new pods in it get no Istio sidecar.',
    why: 'Workloads in the namespace stay outside the mesh: no mTLS, routing rules, policies or telemetry apply to them, which is easy to miss when the rest of the application is meshed.',
    fix: 'Label the namespace istio-injection: enabled (or istio.io/rev: <revision>, or istio.io/dataplane-mode: ambient); label it istio-injection: disabled to say it is deliberate.',
  },
  check(ctx, res) {
    if (!usesIstio(ctx.index) || SYSTEM_NAMESPACES.has(res.name) || linkerdNamespace(ctx.index, res.name)) return;
    const l = res.labels;
    if ('istio-injection' in l || 'istio.io/rev' in l || l['istio.io/dataplane-mode'] === 'ambient') return;
    const fix = 'istio.io/dataplane-mode' in l ? undefined : setField(res, ['metadata', 'labels'], 'istio-injection', 'enabled', 'Add label istio-injection: enabled');
    ctx.report(res, {
      path: ['metadata', 'name'],
      on: 'value',
      message: `Namespace ${res.name} is not labelled for Istio injection: pods created in it get no sidecar. Add istio-injection: enabled (or istio.io/rev), or istio-injection: disabled if that is intended.`,
      fixes: fix ? [fix] : undefined,
    });
  },
};
