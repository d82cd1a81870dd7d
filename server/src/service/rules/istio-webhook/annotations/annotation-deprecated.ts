import type { Fix } from '../../../model';
import type { Resource } from '../../../workspace';
import { renameKey, replaceValue, setField } from '../../fixes';
import { nodeAtPath } from '../../locate';
import type { Rule } from '../../types';
import { combine, removeEntry } from '../lib/edits';
import { ISTIO_ANNOTATIONS } from './table';
import { ANNOTATED_KINDS, annotationSites, annotationText, istioAnnotations, type AnnotationSite } from './sites';

export const annotationDeprecated: Rule = {
  id: 'istio/annotation-deprecated',
  code: 'IST0135',
  severity: 'info',
  kinds: ANNOTATED_KINDS,
  doc: {
    summary: 'A deprecated Istio annotation is in use, most often sidecar.istio.io/inject as an annotation where Istio now expects a label.',
    why: 'Deprecated annotations may stop working in a future Istio release; the injection annotation is already ignored by some injector selectors that only look at labels.',
    fix: 'Replace it as the message says; for sidecar.istio.io/inject a quick fix moves it to the labels.',
  },
  check(ctx, res) {
    for (const site of annotationSites(res)) {
      for (const name of istioAnnotations(site)) {
        const info = ISTIO_ANNOTATIONS[name];
        if (!info?.deprecated) continue;
        if (name === 'sidecar.istio.io/inject' && name in site.labels) continue; // both forms, on purpose
        const value = annotationText(site.annotations[name]) ?? '';
        const fixes: Fix[] = [];
        if (name === 'sidecar.istio.io/inject') {
          const f = injectToLabel(res, site, value);
          if (f) fixes.push(f);
        }
        ctx.report(res, {
          path: [...site.metaPath, 'annotations', name],
          message: `Annotation ${name} is deprecated: ${info.deprecated}.`,
          fixes: fixes.length ? fixes : undefined,
        });
      }
    }
  },
};

/** Moves `sidecar.istio.io/inject` from the annotations to the labels of the pod (template) it configures. */
function injectToLabel(res: Resource, site: AnnotationSite, value: string): Fix | undefined {
  const name = 'sidecar.istio.io/inject';
  const target = site.kind === 'Pod' ? site.metaPath : site.templateMetaPath;
  if (!target) return undefined;
  const title = site.kind === 'Pod' ? 'Move to a label' : 'Move to a pod template label';
  const annPath = [...site.metaPath, 'annotations', name];
  if (nodeAtPath(res, [...target, 'labels', name]).complete) return combine(title, [removeEntry(res, annPath)]);
  const labelsExist = nodeAtPath(res, [...target, 'labels']).complete;
  if (!labelsExist && target === site.metaPath && Object.keys(site.annotations).length === 1) {
    // the only annotation, and no labels yet: the annotations map becomes the labels map
    const rename = renameKey(res, [...site.metaPath, 'annotations'], 'labels', title);
    const quote = replaceValue(res, annPath, JSON.stringify(value), '');
    return rename && quote ? combine(title, [rename, quote]) : undefined;
  }
  return combine(title, [removeEntry(res, annPath), setField(res, [...target, 'labels'], name, JSON.stringify(value), '')]);
}
