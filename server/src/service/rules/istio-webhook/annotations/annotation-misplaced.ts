import type { Fix } from '../../../model';
import type { Resource } from '../../../workspace';
import { setField } from '../../fixes';
import { nodeAtPath } from '../../locate';
import type { Rule } from '../../types';
import { combine, removeEntry } from '../lib/edits';
import { ISTIO_ANNOTATIONS } from './table';
import { ANNOTATED_KINDS, annotationSites, annotationText, belongsOn, istioAnnotations, type AnnotationSite } from './sites';

function targetsText(on: string[]): string {
  const plural: Record<string, string> = { Pod: 'Pods (pod templates)', AuthorizationPolicy: 'AuthorizationPolicies', Any: 'any resource' };
  return on.map((k) => plural[k] ?? `${k}s`).join(', ');
}

/** Moves an annotation of a workload's own metadata into its pod template's annotations. */
function moveToTemplate(res: Resource, site: AnnotationSite, name: string, value: string): Fix | undefined {
  if (!site.templateMetaPath) return undefined;
  if (nodeAtPath(res, [...site.templateMetaPath, 'annotations', name]).complete) return undefined;
  return combine('Move to the pod template annotations', [
    removeEntry(res, [...site.metaPath, 'annotations', name]),
    setField(res, [...site.templateMetaPath, 'annotations'], name, JSON.stringify(value), ''),
  ]);
}

export const annotationMisplaced: Rule = {
  id: 'istio/annotation-misplaced',
  code: 'IST0107',
  severity: 'warning',
  kinds: ANNOTATED_KINDS,
  doc: {
    summary: 'An Istio annotation is on a kind of resource that Istio does not read it from, such as a sidecar annotation on a Deployment instead of its pod template, or on a Service.',
    why: 'The annotation is silently ignored: sidecar settings are read from the Pod, so a sidecar.istio.io/* annotation on the Deployment itself changes nothing.',
    fix: 'Move the annotation to the resource it belongs on; for workloads that is spec.template.metadata.annotations (a quick fix does this).',
  },
  check(ctx, res) {
    for (const site of annotationSites(res)) {
      for (const name of istioAnnotations(site)) {
        const info = ISTIO_ANNOTATIONS[name];
        if (!info || belongsOn(info.on, site.kind)) continue;
        const value = annotationText(site.annotations[name]) ?? '';
        const podOnWorkload = info.on.includes('Pod') && !!site.templateMetaPath;
        let hint = '';
        if (podOnWorkload) hint = ' Put it in the pod template (spec.template.metadata.annotations) instead.';
        else if (name === 'sidecar.istio.io/inject' && site.kind === 'Namespace') hint = ' For a whole namespace, use the label istio-injection: enabled (or istio.io/rev) instead.';
        const valid = !info.validate || !info.validate(value);
        ctx.report(res, {
          path: [...site.metaPath, 'annotations', name],
          message: `Annotation ${name} belongs on ${targetsText(info.on)}, not on a ${site.kind}: Istio ignores it here.${hint}`,
          fixes: podOnWorkload && valid ? [moveToTemplate(res, site, name, value)].filter((f): f is Fix => !!f) : undefined,
        });
      }
    }
  },
};
