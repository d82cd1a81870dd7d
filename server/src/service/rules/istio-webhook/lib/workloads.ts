import type { KService, Resource, Workload } from '../../../workspace';
import type { RuleContext } from '../../types';

/** Is the workload in the mesh, as istioctl decides offline: a proxy container, the pod's injection setting, or its Namespace's label. */
export function workloadInMesh(ctx: RuleContext, w: Workload): boolean {
  const containers = Array.isArray(w.podSpec.containers) ? w.podSpec.containers : [];
  if (containers.some((c) => typeof c === 'object' && c !== null && (c as Record<string, unknown>).name === 'istio-proxy')) return true;
  const inject = w.labels['sidecar.istio.io/inject'] ?? w.podAnnotations['sidecar.istio.io/inject'];
  if (inject !== undefined) return inject === 'true';
  const ns = ctx.index.find('/Namespace', '', w.namespace);
  if (!ns) return false;
  return ns.labels['istio-injection'] === 'enabled' || ('istio.io/rev' in ns.labels && ns.labels['istio-injection'] === undefined);
}

/** Services of the workload's namespace whose (non-empty) selector matches its pods. */
export function servicesOf(ctx: RuleContext, w: Workload): KService[] {
  return [...ctx.index.kubeServices().values()].filter(
    (s) => s.res.namespace === w.namespace && Object.keys(s.selector).length > 0 && Object.entries(s.selector).every(([k, v]) => w.labels[k] === v),
  );
}

export function workloadOf(ctx: RuleContext, res: Resource): Workload | undefined {
  return ctx.index.workloads().find((w) => w.res.uri === res.uri && w.res.startLine === res.startLine);
}
