import type { Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { fullName, GK, listText } from './util';

function sameResource(a: Resource, b: Resource): boolean {
  return a === b || (a.uri === b.uri && a.startLine === b.startLine);
}

/** Reports a resource that applies namespace-wide while other namespace-wide resources of its kind exist in its namespace. */
function reportSiblings(ctx: RuleContext, res: Resource, isDefault: (r: Resource) => boolean, what: string, consequence: string): void {
  if (!isDefault(res)) return;
  const siblings = ctx.index.of(res.gk).filter((o) => !sameResource(o, res) && o.namespace === res.namespace && isDefault(o));
  if (!siblings.length) return;
  ctx.report(res, {
    path: ['metadata', 'name'],
    on: 'value',
    message: `Namespace ${res.namespace} has several ${what}: ${listText([res, ...siblings].map(fullName).sort())}. ${consequence}`,
  });
}

export const multipleDefaultSidecars: Rule = {
  id: 'istio/multiple-default-sidecars',
  code: 'IST0111',
  severity: 'error',
  kinds: [GK.sidecar],
  needsWorkspace: [GK.sidecar],
  doc: {
    summary: 'A namespace has more than one Sidecar without `workloadSelector`.',
    why: 'Only one namespace-wide Sidecar can apply to the pods of a namespace; with several, which one is used is undefined and proxies may get the wrong egress/ingress configuration.',
    fix: 'Merge them into one namespace-wide Sidecar, or give all but one a `workloadSelector`.',
  },
  check(ctx: RuleContext, res: Resource) {
    reportSiblings(ctx, res, (r) => r.spec.workloadSelector === undefined || r.spec.workloadSelector === null, 'Sidecars without a workloadSelector', 'Which one applies to its pods is undefined.');
  },
};

export const multipleDefaultTelemetries: Rule = {
  id: 'istio/multiple-default-telemetries',
  code: 'IST0160',
  severity: 'error',
  kinds: [GK.telemetry],
  needsWorkspace: [GK.telemetry],
  doc: {
    summary: 'A namespace has more than one Telemetry without `selector`, `targetRef` or `targetRefs`.',
    why: 'Only one namespace-wide Telemetry applies to the workloads of a namespace; with several, which one is used is undefined, so metrics, logs or tracing settings are lost.',
    fix: 'Merge them into one namespace-wide Telemetry, or give all but one a `selector`/`targetRefs`.',
  },
  check(ctx: RuleContext, res: Resource) {
    const isDefault = (r: Resource): boolean => [r.spec.selector, r.spec.targetRef, r.spec.targetRefs].every((x) => x === undefined || x === null);
    reportSiblings(ctx, res, isDefault, 'Telemetry resources without a selector or targetRefs', 'Which one applies to its workloads is undefined.');
  },
};
