import { suggest } from '../../../text';
import { renameKey } from '../../fixes';
import type { Rule } from '../../types';
import { inCompleteDomain, ISTIO_ANNOTATIONS } from './table';
import { ANNOTATED_KINDS, annotationSites, belongsOn, istioAnnotations } from './sites';

export const annotationUnknown: Rule = {
  id: 'istio/annotation-unknown',
  code: 'IST0108',
  severity: 'warning',
  kinds: ANNOTATED_KINDS,
  doc: {
    summary: 'An annotation in an Istio domain (sidecar.istio.io, traffic.sidecar.istio.io, proxy.istio.io...) is not one Istio knows, usually a typo or a removed (Mixer-era) setting.',
    why: 'Istio ignores unknown annotations, so the setting the author meant (proxy resources, traffic capture, probes...) never applies.',
    fix: 'Correct the name (a quick fix offers the closest known annotation) or remove it.',
  },
  check(ctx, res) {
    const known = Object.keys(ISTIO_ANNOTATIONS);
    for (const site of annotationSites(res)) {
      for (const name of istioAnnotations(site)) {
        if (ISTIO_ANNOTATIONS[name] || !inCompleteDomain(name)) continue;
        const best = suggest(name, known, 1);
        const path = [...site.metaPath, 'annotations', name];
        const fits = best.length > 0 && belongsOn(ISTIO_ANNOTATIONS[best[0]].on, site.kind) && !(best[0] in site.annotations);
        const fix = fits ? renameKey(res, path, best[0], `Change to ${best[0]}`) : undefined;
        ctx.report(res, {
          path,
          message: `${name} is not an annotation Istio knows, so it has no effect.${best.length ? ` Did you mean ${best[0]}?` : ''}`,
          fixes: fix ? [fix] : undefined,
        });
      }
    }
  },
};
