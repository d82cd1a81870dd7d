import type { Fix } from '../../../model';
import { replaceValue } from '../../fixes';
import type { Rule } from '../../types';
import { ISTIO_ANNOTATIONS } from './table';
import { ANNOTATED_KINDS, annotationSites, annotationText, belongsOn, istioAnnotations } from './sites';

export const annotationInvalid: Rule = {
  id: 'istio/annotation-invalid',
  code: 'IST0125',
  severity: 'warning',
  kinds: ANNOTATED_KINDS,
  doc: {
    summary: 'An Istio annotation has a value the sidecar injector rejects: an unknown interception mode, a port or CIDR list with a typo, a non-boolean flag, proxy.istio.io/config that is not YAML.',
    why: 'The injector refuses to inject the Pod (or the setting is dropped), so the workload starts without the intended sidecar configuration.',
    fix: 'Use the documented value format: comma-separated lists without spaces, CIDRs with a prefix length, "true"/"false" for flags.',
  },
  check(ctx, res) {
    for (const site of annotationSites(res)) {
      for (const name of istioAnnotations(site)) {
        const info = ISTIO_ANNOTATIONS[name];
        if (!info?.validate || !belongsOn(info.on, site.kind)) continue;
        const value = annotationText(site.annotations[name]);
        if (value === undefined) continue;
        const problem = info.validate(value);
        if (!problem) continue;
        let fix: Fix | undefined;
        const compact = value.split(',').map((x) => x.trim()).filter(Boolean).join(',');
        if (compact !== value && !info.validate(compact)) fix = replaceValue(res, [...site.metaPath, 'annotations', name], JSON.stringify(compact), `Change to ${compact}`);
        ctx.report(res, {
          path: [...site.metaPath, 'annotations', name],
          on: 'value',
          message: `Invalid value for ${name}: ${problem}.`,
          fixes: fix ? [fix] : undefined,
        });
      }
    }
  },
};
