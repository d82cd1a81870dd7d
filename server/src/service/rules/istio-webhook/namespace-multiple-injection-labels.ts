import type { Rule } from '../types';
import { combine, removeEntry } from './lib/edits';
import { SYSTEM_NAMESPACES } from './lib/mesh';

export const namespaceMultipleInjectionLabels: Rule = {
  id: 'istio/namespace-multiple-injection-labels',
  code: 'IST0123',
  severity: 'warning',
  kinds: ['/Namespace'],
  doc: {
    summary: 'A Namespace has more than one Istio data-plane label: istio-injection together with istio.io/rev, or a sidecar label together with istio.io/dataplane-mode.',
    why: 'The labels compete: istio-injection wins over istio.io/rev, so the revision you meant to select (for a canary upgrade) is ignored, and sidecar and ambient modes do not mix.',
    fix: 'Keep one label: istio.io/rev for revision-based injection, istio-injection for the default revision, or istio.io/dataplane-mode: ambient for ambient.',
  },
  check(ctx, res) {
    if (SYSTEM_NAMESPACES.has(res.name)) return;
    const l = res.labels;
    const has = 'istio-injection' in l;
    const found: string[] = [];
    if (has) found.push('istio-injection');
    for (const k of ['istio.io/rev', 'istio.io/dataplane-mode']) if (k in l && (!has || l['istio-injection'] === 'enabled')) found.push(k);
    if (found.length < 2) return;
    const fixes = found
      .map((k) => combine(`Remove label ${k}`, [removeEntry(res, ['metadata', 'labels', k])]))
      .filter((f): f is NonNullable<typeof f> => !!f && found.length === 2);
    ctx.report(res, {
      path: ['metadata', 'labels'],
      message: `Namespace ${res.name} has several Istio data-plane labels (${found.map((k) => `${k}=${l[k]}`).join(', ')}); they conflict${has && 'istio.io/rev' in l ? ' (istio-injection wins over istio.io/rev, so the revision is ignored)' : ''}. Keep only one.`,
      fixes: fixes.length ? fixes : undefined,
    });
  },
};
