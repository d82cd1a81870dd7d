import { get, isObj, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, meshSettings } from './util';

export const sidecarRootWorkloadSelector: Rule = {
  id: 'kiali/sidecar-root-workload-selector',
  code: 'KIA1006',
  severity: 'warning',
  kinds: [GK.sidecar],
  doc: {
    summary: 'A Sidecar in the root namespace (istio-system) has a workloadSelector.',
    why: 'A Sidecar without selector in the root namespace is the mesh-wide default; with a workloadSelector it only configures matching workloads of the root namespace itself and is not the default for other namespaces, which is rarely what was intended.',
    fix: 'Remove the workloadSelector to make it the global default, or move the Sidecar to the namespace of the workloads it should configure.',
  },
  check(ctx: RuleContext, res: Resource) {
    const root = meshSettings(ctx.index).rootNamespace;
    if (res.namespace !== root) return;
    const labels = get(res.spec, 'workloadSelector', 'labels');
    if (!isObj(labels) || !Object.keys(labels).length) return;
    ctx.report(res, {
      path: ['spec', 'workloadSelector'],
      message: `This Sidecar is in the root namespace ${root} but has a workloadSelector: it is not the mesh-wide default and only applies to matching workloads of ${root}.`,
    });
  },
};
